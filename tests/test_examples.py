"""The gallery's examples: each ``examples/plot_*.py`` is well formed and runs.

Running them takes two to three minutes, so that test is opt-in (``slow``); CI runs every
example anyway when it builds the documentation (sphinx-gallery fails the build on an
example that raises).
"""

import ast
import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


def test_examples_exist():
    # The gallery: quickstart, comparison, grid search, PCA pipeline, torch export.
    names = {p.stem for p in EXAMPLES}
    assert {"plot_quickstart", "plot_compare_estimators", "plot_grid_search_sparsity",
            "plot_pca_pipeline", "plot_export_torch"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_well_formed(path):
    # sphinx-gallery needs a docstring that opens with an RST title (over- and underlined).
    source = path.read_text()
    compile(source, str(path), "exec")
    doc = ast.get_docstring(ast.parse(source))
    assert doc is not None, f"{path.name} has no docstring"
    lines = doc.strip().splitlines()
    assert set(lines[0]) == {"="} and set(lines[2]) == {"="} and lines[1].strip(), path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    try:
        runpy.run_path(str(path), run_name="__main__")
        assert plt.get_fignums(), f"{path.name} drew no figure"
    finally:
        plt.close("all")
