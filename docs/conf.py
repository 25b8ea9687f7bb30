"""Sphinx configuration of the sklearn-swat documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors). The
gallery runs every ``examples/plot_*.py`` (a few minutes on two cores).
"""

import os
import re
import sys
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
# The examples run in this process. One torch thread: the networks are tiny, and a second
# thread can slow a fit several times over when the machine is busy with other work.
torch.set_num_threads(1)

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS.parent))

import sklearn_swat

project = "sklearn-swat"
author = "sklearn-swat developers"
copyright = "2026, sklearn-swat developers"
version = release = sklearn_swat.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_templates", "**/README.md", "gen_modules/backreferences"]
templates_path = ["_templates"]

# API reference: one page per public object, written by autosummary from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# The markdown pages (README-style .md files, some written by the project's own commands).
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_swat",),
    "backreferences_dir": str(DOCS / "gen_modules" / "backreferences"),
    "reference_url": {"sklearn_swat": None},
    "remove_config_comments": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "show_memory": False,
    # SKLEARN_SWAT_DOCS_PLOT_GALLERY=0 builds the pages without running the examples.
    "plot_gallery": os.environ.get("SKLEARN_SWAT_DOCS_PLOT_GALLERY", "1") != "0",
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-swat {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False


def _escape_trailing_underscore(app, what, name, obj, options, lines):
    # "ndarray of shape (n_features_in_,)" in a numpydoc type: to RST, a word that ends in
    # an underscore is a link to a target of that name, so escape it.
    for i, line in enumerate(lines):
        lines[i] = line.replace("(n_features_in_,)", "(n_features_in\\_,)")


def _scikit_learn_refs(app, what, name, obj, options, lines):
    # Methods inherited from scikit-learn (``score``) cite labels of scikit-learn's own
    # documentation, which this one does not have: link to that page instead.
    if getattr(obj, "__module__", "").startswith("sklearn."):
        for i, line in enumerate(lines):
            lines[i] = _SKLEARN_REF.sub(
                lambda m: f"`{m[1]} <{_SKLEARN_LABELS.get(m[2], 'https://scikit-learn.org/stable/')}>`__",
                line,
            )


_SKLEARN_REF = re.compile(r":ref:`([^`<]+?)\s*<([^>`]+)>`")
_SKLEARN_LABELS = {"r2_score": "https://scikit-learn.org/stable/modules/model_evaluation.html#r2-score"}


def _constant_docstring(app, what, name, obj, options, lines):
    """Give a re-exported constant the docstring written where it is defined.

    ``sklearn_swat.ACTIVATIONS`` and the like are imported from private modules; autodoc
    looks for their docstrings in the public module, finds none there, and would print the
    docstring of the value's type (``tuple``, ``float``) instead.
    """
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer

    attr = name.rpartition(".")[2]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("sklearn_swat.") or getattr(module, attr, None) is not obj:
            continue
        docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        if ("", attr) in docs:
            lines[:] = [line.rstrip("\n") for line in docs[("", attr)]]
            return


def setup(app):
    app.connect("autodoc-process-docstring", _constant_docstring, priority=300)
    app.connect("autodoc-process-docstring", _scikit_learn_refs, priority=300)
    # Before numpydoc (priority 500) turns the sections into RST.
    app.connect("autodoc-process-docstring", _escape_trailing_underscore, priority=400)
