"""The CORNN benchmark: 54 classic 2-D test functions as regression data sets (DESIGN section 6).

CORNN (Cleghorn and coauthors, https://github.com/CWCleghornAI/CORNN) samples each function
uniformly over its domain, 3750 training and 1250 test points, and scales inputs and targets
to [-1, 1]. The published CSV files are GPL data, so this module does not ship them: it reads
them from a folder the user points at, or generates data of the same kind from the closed
forms below.

Examples
--------
>>> import numpy as np
>>> from sklearn_swat.datasets import CORNN_FUNCTIONS
>>> float(CORNN_FUNCTIONS["Booth"](1.0, 3.0))
0.0
>>> CORNN_FUNCTIONS["Sphere"](np.array([0.0, 1.0]), np.array([0.0, 2.0]))
array([0., 5.])
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["CORNN_FUNCTIONS", "cornn_domain", "cornn_names", "load_cornn"]

N_TRAIN = 3750
N_TEST = 1250
DATA_HOME_ENV = "SKLEARN_SWAT_CORNN_HOME"
_COLUMNS = ("x", "y", "f(x,y)")
_CORNN_URL = "https://github.com/CWCleghornAI/CORNN (folder lib/data_sets/, data_sets/ in earlier versions)"
# Base seed of the generated data; each function mixes in a checksum of its name so
# that two functions with the same domain do not share their sample points.
_SEED = 0

_PI = math.pi


# The closed forms. Each takes arrays x, y of one shape and returns f(x, y) elementwise.
# Where CORNN's definition departs from the textbook formula (Jamil and Yang 2013, "A
# literature survey of benchmark functions for global optimisation problems"), the
# docstring says so: the published data follow CORNN's definition.


def _r2(x, y):
    return x**2 + y**2


def _ackley(x, y):
    """-20 exp(-0.2 sqrt((x^2 + y^2) / 2)) - exp((cos 2 pi x + cos 2 pi y) / 2) + 20 + e."""
    return (
        -20.0 * np.exp(-0.2 * np.sqrt(0.5 * _r2(x, y)))
        - np.exp(0.5 * (np.cos(2 * _PI * x) + np.cos(2 * _PI * y)))
        + 20.0
        + math.e
    )


def _ackley_n2(x, y):
    """-200 exp(-0.2 sqrt(x^2 + y^2))."""
    return -200.0 * np.exp(-0.2 * np.sqrt(_r2(x, y)))


def _ackley_n3(x, y):
    """-200 exp(-0.2 sqrt(x^2 + y^2)) + 5 exp(cos 3x + sin 3y)."""
    return _ackley_n2(x, y) + 5.0 * np.exp(np.cos(3 * x) + np.sin(3 * y))


def _ackley_n4(x, y):
    """exp(-0.2) sqrt(x^2 + y^2) + 3 (cos 2x + sin 2y)."""
    return math.exp(-0.2) * np.sqrt(_r2(x, y)) + 3.0 * (np.cos(2 * x) + np.sin(2 * y))


def _adjiman(x, y):
    """cos x sin y - x / (y^2 + 1)."""
    return np.cos(x) * np.sin(y) - x / (y**2 + 1)


def _alpine_n1(x, y):
    """|x sin x + 0.1 x| + |y sin y + 0.1 y|."""
    return np.abs(x * np.sin(x) + 0.1 * x) + np.abs(y * np.sin(y) + 0.1 * y)


def _alpine_n2(x, y):
    """sqrt(x) sin x sqrt(y) sin y."""
    return np.sqrt(x) * np.sin(x) * np.sqrt(y) * np.sin(y)


def _bartels_conn(x, y):
    """|x^2 + y^2 + xy| + |sin x| + |cos y|."""
    return np.abs(_r2(x, y) + x * y) + np.abs(np.sin(x)) + np.abs(np.cos(y))


def _beale(x, y):
    """(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _bird(x, y):
    """sin x exp((1 - cos y)^2) + cos y exp((1 - sin x)^2) + (x - y)^2."""
    return np.sin(x) * np.exp((1 - np.cos(y)) ** 2) + np.cos(y) * np.exp((1 - np.sin(x)) ** 2) + (x - y) ** 2


def _bohachevsky_n1(x, y):
    """x^2 + 2y^2 - 0.3 cos 3 pi x - 0.4 cos 4 pi y + 0.7."""
    return x**2 + 2 * y**2 - 0.3 * np.cos(3 * _PI * x) - 0.4 * np.cos(4 * _PI * y) + 0.7


def _bohachevsky_n2(x, y):
    """x^2 + 2y^2 - 0.3 cos(3 pi x) cos(4 pi y) + 0.3."""
    return x**2 + 2 * y**2 - 0.3 * np.cos(3 * _PI * x) * np.cos(4 * _PI * y) + 0.3


def _booth(x, y):
    """(x + 2y - 7)^2 + (2x + y - 5)^2."""
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _brent(x, y):
    """(x + 10)^2 + (y + 10)^2 + exp(-x^2 - y^2)."""
    return (x + 10) ** 2 + (y + 10) ** 2 + np.exp(-_r2(x, y))


def _brown(x, y):
    """(x^2)^(y^2 + 1) + (y^2)^(x^2 + 1)."""
    return (x**2) ** (y**2 + 1) + (y**2) ** (x**2 + 1)


def _bukin_n6(x, y):
    """100 sqrt(|y - 0.01 x^2|) + 0.01 |x + 10|."""
    return 100.0 * np.sqrt(np.abs(y - 0.01 * x**2)) + 0.01 * np.abs(x + 10)


def _cross_in_tray(x, y):
    """-0.0001 (|sin x sin y exp(|100 - sqrt(x^2 + y^2) / pi|)| + 1)^0.1."""
    inner = np.exp(np.abs(100 - np.sqrt(_r2(x, y)) / _PI))
    return -0.0001 * (np.abs(np.sin(x) * np.sin(y) * inner) + 1) ** 0.1


def _deckkers_aarts(x, y):
    """1e5 (x^2 + y^2) - (x^2 + y^2)^2 + 1e-5 (x^2 + y^2)^4.

    CORNN variant: the textbook's first term is 1e5 x^2 + y^2.
    """
    r2 = _r2(x, y)
    return 1e5 * r2 - r2**2 + 1e-5 * r2**4


def _drop_wave(x, y):
    """-(1 + cos(12 sqrt(x^2 + y^2))) / (0.5 (x^2 + y^2) + 2)."""
    r2 = _r2(x, y)
    return -(1 + np.cos(12 * np.sqrt(r2))) / (0.5 * r2 + 2)


def _easom(x, y):
    """-cos x cos y exp(-(x - pi)^2 - (y - pi)^2)."""
    return -np.cos(x) * np.cos(y) * np.exp(-((x - _PI) ** 2) - (y - _PI) ** 2)


def _egg_crate(x, y):
    """x^2 + y^2 + 25 (sin^2 x + sin^2 y)."""
    return _r2(x, y) + 25 * (np.sin(x) ** 2 + np.sin(y) ** 2)


def _egg_holder(x, y):
    """-(y + 47) sin(sqrt(|y + x/2 + 47|)) - x sin(sqrt(|x - (y + 47)|))."""
    return -(y + 47) * np.sin(np.sqrt(np.abs(y + x / 2 + 47))) - x * np.sin(np.sqrt(np.abs(x - (y + 47))))


def _exponential(x, y):
    """-exp(-0.5 (x^2 + y^2))."""
    return -np.exp(-0.5 * _r2(x, y))


def _goldstein_price(x, y):
    """(1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2))
    (30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 4y - 36xy + 27y^2)).

    CORNN variant: the textbook has 48y, not 4y, in the second factor.
    """
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 4 * y - 36 * x * y + 27 * y**2)
    return a * b


def _griewank(x, y):
    """1 + (x^2 + y^2) / 4000 - cos(x) cos(y / sqrt 2)."""
    return 1 + _r2(x, y) / 4000 - np.cos(x) * np.cos(y / math.sqrt(2))


def _himmelblau(x, y):
    """(x^2 + y - 11)^2 + (x + y^2 - 7)^2."""
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _holder_table(x, y):
    """-|sin x cos y exp(|1 - sqrt(x^2 + y^2) / pi|)|."""
    return -np.abs(np.sin(x) * np.cos(y) * np.exp(np.abs(1 - np.sqrt(_r2(x, y)) / _PI)))


def _keane(x, y):
    """-sin^2(x - y) sin^2(x + y) / sqrt(x^2 + y^2)."""
    return -(np.sin(x - y) ** 2) * np.sin(x + y) ** 2 / np.sqrt(_r2(x, y))


def _leon(x, y):
    """100 (y - x^3)^2 + (1 - x)^2."""
    return 100 * (y - x**3) ** 2 + (1 - x) ** 2


def _levi_n13(x, y):
    """sin^2(3 pi x) + (x - 1)^2 (1 + sin^2(3 pi y)) + (y - 1)^2 (1 + sin^2(2 pi y))."""
    return (
        np.sin(3 * _PI * x) ** 2
        + (x - 1) ** 2 * (1 + np.sin(3 * _PI * y) ** 2)
        + (y - 1) ** 2 * (1 + np.sin(2 * _PI * y) ** 2)
    )


def _matyas(x, y):
    """0.26 (x^2 + y^2) - 0.48 xy."""
    return 0.26 * _r2(x, y) - 0.48 * x * y


def _mccormick(x, y):
    """sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1."""
    return np.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


def _michalewicz(x, y):
    """-(sin x sin^20(x^2 / pi) + sin y sin^20(2 y^2 / pi)), that is m = 10."""
    return -(np.sin(x) * np.sin(x**2 / _PI) ** 20 + np.sin(y) * np.sin(2 * y**2 / _PI) ** 20)


def _periodic(x, y):
    """1 + sin^2 x + sin^2 y - 0.1 exp(-(x^2 + y^2))."""
    return 1 + np.sin(x) ** 2 + np.sin(y) ** 2 - 0.1 * np.exp(-_r2(x, y))


def _qing(x, y):
    """(x - 1)^2 + (y - 2)^2.

    CORNN variant: the textbook has (x^2 - 1)^2 + (y^2 - 2)^2.
    """
    return (x - 1) ** 2 + (y - 2) ** 2


def _rastrigin(x, y):
    """20 + x^2 - 10 cos 2 pi x + y^2 - 10 cos 2 pi y."""
    return 20 + _r2(x, y) - 10 * (np.cos(2 * _PI * x) + np.cos(2 * _PI * y))


def _ridge(x, y):
    """x + |y|, the ridge with d = 1 and alpha = 1/2."""
    return x + np.abs(y)


def _rosenbrock(x, y):
    """100 (y - x^2)^2 + (1 - x)^2."""
    return 100 * (y - x**2) ** 2 + (1 - x) ** 2


def _salomon(x, y):
    """1 - cos(2 pi r) + 0.1 r with r = sqrt(x^2 + y^2)."""
    r = np.sqrt(_r2(x, y))
    return 1 - np.cos(2 * _PI * r) + 0.1 * r


def _schaffer_n2(x, y):
    """0.5 + (sin^2(x^2 - y^2) - 0.5) / (1 + 0.001 (x^2 + y^2))^2."""
    return 0.5 + (np.sin(x**2 - y**2) ** 2 - 0.5) / (1 + 0.001 * _r2(x, y)) ** 2


def _schaffer_n3(x, y):
    """0.5 + (sin^2(cos |x^2 - y^2|) - 0.5) / (1 + 0.001 (x^2 + y^2))^2."""
    return 0.5 + (np.sin(np.cos(np.abs(x**2 - y**2))) ** 2 - 0.5) / (1 + 0.001 * _r2(x, y)) ** 2


def _schwefel_220(x, y):
    """|x| + |y|."""
    return np.abs(x) + np.abs(y)


def _schwefel_222(x, y):
    """|x| + |y| + |x| |y|."""
    return np.abs(x) + np.abs(y) + np.abs(x) * np.abs(y)


def _schwefel_223(x, y):
    """x^10 + y^10."""
    return x**10 + y**10


def _shubert(x, y):
    """prod over t = x, y of sum_{j=1..5} cos((j + 1) t + j).

    CORNN variant: the textbook weights the j-th cosine by j.
    """
    j = np.arange(1, 6).reshape((5,) + (1,) * np.ndim(x))
    return np.sum(np.cos((j + 1) * x + j), axis=0) * np.sum(np.cos((j + 1) * y + j), axis=0)


def _shubert_3(x, y):
    """sum over t = x, y of sum_{j=1..5} j sin((j + 1) t + j)."""
    j = np.arange(1, 6).reshape((5,) + (1,) * np.ndim(x))
    return np.sum(j * np.sin((j + 1) * x + j), axis=0) + np.sum(j * np.sin((j + 1) * y + j), axis=0)


def _sphere(x, y):
    """x^2 + y^2."""
    return _r2(x, y)


def _styblinski_tang(x, y):
    """(x^4 - 16x^2 + 5^x + y^4 - 16y^2 + 5^y) / 2.

    CORNN variant: the textbook has 5x and 5y, not 5^x and 5^y.
    """
    return 0.5 * (x**4 - 16 * x**2 + 5.0**x + y**4 - 16 * y**2 + 5.0**y)


def _sum_squares(x, y):
    """x^2 + 2y^2."""
    return x**2 + 2 * y**2


def _three_hump_camel(x, y):
    """2x^2 - 1.05x^4 + x^6 / 6 + xy + y^2."""
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def _xin_she_yang_n2(x, y):
    """(|x| + |y|) exp(-(sin x^2 + sin y^2))."""
    return (np.abs(x) + np.abs(y)) * np.exp(-(np.sin(x**2) + np.sin(y**2)))


def _xin_she_yang_n3(x, y):
    """exp(-((x/15)^10 + (y/15)^10)) - 2 exp(-(x^2 + y^2)) cos^2 x cos^2 y, beta = 15, m = 5."""
    return (
        np.exp(-((x / 15) ** 10 + (y / 15) ** 10)) - 2 * np.exp(-_r2(x, y)) * np.cos(x) ** 2 * np.cos(y) ** 2
    )


def _xin_she_yang_n4(x, y):
    """(sin^2 x + sin^2 y - exp(-(x^2 + y^2))) exp(-(sin^2 sqrt|x| + sin^2 sqrt|y|))."""
    return (np.sin(x) ** 2 + np.sin(y) ** 2 - np.exp(-_r2(x, y))) * np.exp(
        -(np.sin(np.sqrt(np.abs(x))) ** 2 + np.sin(np.sqrt(np.abs(y))) ** 2)
    )


def _zakharov(x, y):
    """x^2 + y^2 + (0.5x + y)^2 + (0.5x + y)^4."""
    s = 0.5 * x + y
    return _r2(x, y) + s**2 + s**4


_TWO_PI = 2 * math.pi

# name -> (closed form, x range, y range)
_FUNCTIONS: dict[str, tuple[Callable, tuple[float, float], tuple[float, float]]] = {
    "Ackley": (_ackley, (-32.0, 32.0), (-32.0, 32.0)),
    "Ackley N.2": (_ackley_n2, (-32.0, 32.0), (-32.0, 32.0)),
    "Ackley N.3": (_ackley_n3, (-32.0, 32.0), (-32.0, 32.0)),
    "Ackley N.4": (_ackley_n4, (-35.0, 35.0), (-35.0, 35.0)),
    "Adjiman": (_adjiman, (-1.0, 2.0), (-1.0, 1.0)),
    "Alpine N.1": (_alpine_n1, (0.0, 10.0), (0.0, 10.0)),
    "Alpine N.2": (_alpine_n2, (0.0, 10.0), (0.0, 10.0)),
    "Bartels Conn": (_bartels_conn, (-500.0, 500.0), (-500.0, 500.0)),
    "Beale": (_beale, (-4.5, 4.5), (-4.5, 4.5)),
    "Bird": (_bird, (-_TWO_PI, _TWO_PI), (-_TWO_PI, _TWO_PI)),
    "Bohachevsky N.1": (_bohachevsky_n1, (-100.0, 100.0), (-100.0, 100.0)),
    "Bohachevsky N.2": (_bohachevsky_n2, (-100.0, 100.0), (-100.0, 100.0)),
    "Booth": (_booth, (-10.0, 10.0), (-10.0, 10.0)),
    "Brent": (_brent, (-20.0, 0.0), (-20.0, 0.0)),
    "Brown": (_brown, (-1.0, 1.0), (-1.0, 1.0)),
    "Bukin N.6": (_bukin_n6, (-15.0, -5.0), (-3.0, 3.0)),
    "Cross-In-Tray": (_cross_in_tray, (-10.0, 10.0), (-10.0, 10.0)),
    "Deckkers-Aarts": (_deckkers_aarts, (-20.0, 20.0), (-20.0, 20.0)),
    "Drop-Wave": (_drop_wave, (-5.2, 5.2), (-5.2, 5.2)),
    "Easom": (_easom, (-50.0, 50.0), (-50.0, 50.0)),
    "Egg Crate": (_egg_crate, (-5.0, 5.0), (-5.0, 5.0)),
    "Egg Holder": (_egg_holder, (-512.0, 512.0), (-512.0, 512.0)),
    "Exponential": (_exponential, (-1.0, 1.0), (-1.0, 1.0)),
    "Goldstein-Price": (_goldstein_price, (-2.0, 2.0), (-2.0, 2.0)),
    "Griewank": (_griewank, (-600.0, 600.0), (-600.0, 600.0)),
    "Himmelblau": (_himmelblau, (-6.0, 6.0), (-6.0, 6.0)),
    "Holder-Table": (_holder_table, (-10.0, 10.0), (-10.0, 10.0)),
    "Keane": (_keane, (0.0, 10.0), (0.0, 10.0)),
    "Leon": (_leon, (0.0, 10.0), (0.0, 10.0)),
    "Levi N.13": (_levi_n13, (-10.0, 10.0), (-10.0, 10.0)),
    "Matyas": (_matyas, (-10.0, 10.0), (-10.0, 10.0)),
    "McCormick": (_mccormick, (-1.5, 4.0), (-3.0, 3.0)),
    "Michalewicz": (_michalewicz, (0.0, math.pi), (0.0, math.pi)),
    "Periodic": (_periodic, (-10.0, 10.0), (-10.0, 10.0)),
    "Qing": (_qing, (-500.0, 500.0), (-500.0, 500.0)),
    "Rastrigin": (_rastrigin, (-5.12, 5.12), (-5.12, 5.12)),
    "Ridge": (_ridge, (-5.0, 5.0), (-5.0, 5.0)),
    "Rosenbrock": (_rosenbrock, (-5.0, 10.0), (-5.0, 10.0)),
    "Salomon": (_salomon, (-100.0, 100.0), (-100.0, 100.0)),
    "Schaffer N.2": (_schaffer_n2, (-100.0, 100.0), (-100.0, 100.0)),
    "Schaffer N.3": (_schaffer_n3, (-100.0, 100.0), (-100.0, 100.0)),
    "Schwefel 2.20": (_schwefel_220, (-100.0, 100.0), (-100.0, 100.0)),
    "Schwefel 2.22": (_schwefel_222, (-100.0, 100.0), (-100.0, 100.0)),
    "Schwefel 2.23": (_schwefel_223, (-10.0, 10.0), (-10.0, 10.0)),
    "Shubert": (_shubert, (-10.0, 10.0), (-10.0, 10.0)),
    "Shubert 3": (_shubert_3, (-10.0, 10.0), (-10.0, 10.0)),
    "Sphere": (_sphere, (-5.12, 5.12), (-5.12, 5.12)),
    "Styblinski-Tang": (_styblinski_tang, (-5.0, 5.0), (-5.0, 5.0)),
    "Sum Squares": (_sum_squares, (-10.0, 10.0), (-10.0, 10.0)),
    "Three-Hump Camel": (_three_hump_camel, (-5.0, 5.0), (-5.0, 5.0)),
    "Xin-She Yang N.2": (_xin_she_yang_n2, (-_TWO_PI, _TWO_PI), (-_TWO_PI, _TWO_PI)),
    "Xin-She Yang N.3": (_xin_she_yang_n3, (-_TWO_PI, _TWO_PI), (-_TWO_PI, _TWO_PI)),
    "Xin-She Yang N.4": (_xin_she_yang_n4, (-10.0, 10.0), (-10.0, 10.0)),
    "Zakharov": (_zakharov, (-5.0, 10.0), (-5.0, 10.0)),
}

CORNN_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    name: entry[0] for name, entry in _FUNCTIONS.items()
}
"""Closed forms of the 54 CORNN functions, by name.

Each value is a vectorised ``f(x, y)``: it takes two arrays of one shape (or scalars) and
returns ``f`` elementwise. They are the definitions behind the published CORNN data; five of
them (Deckkers-Aarts, Goldstein-Price, Qing, Shubert, Styblinski-Tang) depart from the
textbook formula, and their docstrings say how (``help(CORNN_FUNCTIONS["Qing"])``). For
example ``CORNN_FUNCTIONS["Booth"](1.0, 3.0)`` is 0, Booth's minimum.
"""

# Sorted as the published files are listed: "Ackley N.2_train_set.csv" comes before
# "Ackley_train_set.csv" because a space sorts before an underscore.
_NAMES: tuple[str, ...] = tuple(sorted(_FUNCTIONS, key=lambda name: name + "_"))


def cornn_names() -> list[str]:
    """Return the names of the 54 CORNN functions.

    The order is that of the published file listing (file names sorted), so
    ``"Ackley N.2"`` comes before ``"Ackley"`` and ``"Shubert 3"`` before ``"Shubert"``.

    Returns
    -------
    names : list of str
        The function names, as used in the CSV file names ``<name>_train_set.csv``.

    See Also
    --------
    load_cornn : Load one of the data sets.

    Examples
    --------
    >>> from sklearn_swat.datasets import cornn_names
    >>> names = cornn_names()
    >>> len(names)
    54
    >>> names[:5]
    ['Ackley N.2', 'Ackley N.3', 'Ackley N.4', 'Ackley', 'Adjiman']
    """
    return list(_NAMES)


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of cornn_names(); got {type(name).__name__}.")
    if name in _FUNCTIONS:
        return name
    by_lower = {n.lower(): n for n in _NAMES}
    close = difflib.get_close_matches(name, _NAMES, n=3, cutoff=0.5)
    if name.lower() in by_lower:
        close = [by_lower[name.lower()]]
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown CORNN function {name!r}.{hint} The names are exact (case, spaces and dots "
        f"matter); cornn_names() lists all {len(_NAMES)}."
    )


def cornn_domain(name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return the domain over which CORNN samples a function.

    Parameters
    ----------
    name : str
        One of :func:`cornn_names`.

    Returns
    -------
    x_range : tuple of (float, float)
        Lower and upper bound of ``x``.
    y_range : tuple of (float, float)
        Lower and upper bound of ``y``.

    Raises
    ------
    ValueError
        If ``name`` is not a CORNN function.
    TypeError
        If ``name`` is not a string.

    Examples
    --------
    >>> from sklearn_swat.datasets import cornn_domain
    >>> cornn_domain("McCormick")
    ((-1.5, 4.0), (-3.0, 3.0))
    """
    _, x_range, y_range = _FUNCTIONS[_check_name(name)]
    return x_range, y_range


_ENV_SOURCE = f"the environment variable {DATA_HOME_ENV}"
# Relative tolerances of the checks of a data file: a point may lie outside the function's
# domain by this share of the domain's width (float rounding of the bounds), and the target
# may differ from the closed form by this share of the targets' largest magnitude. The 54
# published files lie strictly inside their domains and match the closed forms to 3e-14.
_DOMAIN_RTOL = 1e-9
_TARGET_RTOL = 1e-8


def _resolve_data_home(data_home: str | os.PathLike | None) -> tuple[Path | None, str]:
    """Return the folder to read (None: generate) and a phrase saying where it came from."""
    if data_home is not None:
        if not isinstance(data_home, (str, os.PathLike)) or str(data_home) == "":
            hint = ""
            if isinstance(data_home, bool):
                hint = " (scaled is keyword-only: load_cornn(name, scaled=False))"
            raise TypeError(
                f"data_home must be the path of a folder of CORNN CSV files, or None to generate "
                f"the data; got {data_home!r}{hint}."
            )
        return Path(data_home).expanduser(), "data_home"
    from_env = os.environ.get(DATA_HOME_ENV)
    if from_env:
        return Path(from_env).expanduser(), _ENV_SOURCE
    return None, ""


def _generate_instead(source: str) -> str:
    """How to generate the data instead of reading the folder that came from ``source``."""
    if source == _ENV_SOURCE:
        return (
            f"unset the environment variable {DATA_HOME_ENV} (and pass no data_home, on the "
            "command line no --data-home) to generate the data instead."
        )
    unset = f" and unset {DATA_HOME_ENV}" if os.environ.get(DATA_HOME_ENV) else ""
    return (
        f"pass data_home=None (on the command line, leave out --data-home){unset} to generate "
        "the data instead."
    )


def _utf8_text(raw: bytes) -> str:
    """``raw`` decoded as UTF-8, a leading byte order mark (spreadsheet programs write one) dropped.

    Bytes that are not UTF-8 are a ValueError that says on which line.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(f"line {line}: not UTF-8 text (byte {raw[exc.start]:#04x}: {exc.reason})") from None


def _read_csv(path: Path, n_rows: int, source: str = "data_home", name: str | None = None) -> np.ndarray:
    """Read one published CORNN CSV file into an (n_rows, 3) float64 array, checking it.

    With ``name``, also check that the points lie in the function's domain and that the
    targets are the function's values there.
    """
    remedy = f"Replace it with the published file from {_CORNN_URL}, or {_generate_instead(source)}"
    try:
        text = _utf8_text(path.read_bytes())
    except ValueError as exc:
        raise ValueError(
            f"CORNN file {str(path)!r}, {exc}; it was probably saved in another encoding or is "
            f"not a CSV file. {remedy}"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines = [], []  # the non-empty rows and the file line each starts on
    while True:
        start = reader.line_num + 1  # where the next row begins
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # an unmatched quote: one field of the rest of the file
            raise ValueError(f"CORNN file {str(path)!r}, from line {start}: {exc}; an unmatched "
                             f"'\"' on that line? {remedy}") from None
        if any("\n" in cell or "\r" in cell for cell in row):
            raise ValueError(f"CORNN file {str(path)!r}, line {start}: a quoted field runs over "
                             f"lines {start}-{reader.line_num}; an unmatched '\"'? {remedy}")
        if row:
            rows.append(row)
            lines.append(start)
    if not rows:
        raise ValueError(f"CORNN file {str(path)!r} is empty. {remedy}")
    header = tuple(cell.strip() for cell in rows[0])
    if header != _COLUMNS:
        raise ValueError(
            f"CORNN file {str(path)!r} has columns {list(header)}; expected {list(_COLUMNS)}. {remedy}"
        )
    body, body_lines = rows[1:], lines[1:]
    if len(body) != n_rows:
        raise ValueError(f"CORNN file {str(path)!r} has {len(body)} data rows; expected {n_rows}. {remedy}")
    # Line numbers are the file's, as an editor shows them (blank lines counted).
    for i, row in enumerate(body):
        if len(row) != 3:
            raise ValueError(
                f"CORNN file {str(path)!r}, line {body_lines[i]}: {len(row)} fields; expected 3. {remedy}"
            )
    try:
        data = np.array(body, dtype=np.float64)
    except ValueError:
        # Slow path, only to say where the bad value is.
        for i, row in enumerate(body):
            try:
                [float(cell) for cell in row]
            except ValueError:
                raise ValueError(
                    f"CORNN file {str(path)!r}, line {body_lines[i]}: non-numeric value in {row}. {remedy}"
                ) from None
        raise
    bad = np.flatnonzero(~np.isfinite(data).all(axis=1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"CORNN file {str(path)!r}, line {body_lines[i]}: non-finite value in {body[i]}. {remedy}"
        )
    if name is not None:
        _check_values(data, body, body_lines, name, path, remedy)
    return data


def _check_values(data: np.ndarray, body: list, body_lines: list, name: str, path: Path, remedy: str) -> None:
    """Refuse points outside ``name``'s domain and targets that are not its values there.

    This catches another function's file copied in under ``name`` (the columns and row
    counts of all 54 files are alike).
    """
    func, *ranges = _FUNCTIONS[name]
    for j, (column, (low, high)) in enumerate(zip("xy", ranges)):
        slack = _DOMAIN_RTOL * (high - low)
        outside = np.flatnonzero((data[:, j] < low - slack) | (data[:, j] > high + slack))
        if outside.size:
            i = int(outside[0])
            rows = f"{outside.size} row{'s' if outside.size > 1 else ''} outside"
            raise ValueError(
                f"CORNN file {str(path)!r}, line {body_lines[i]}: {column} = {body[i][j].strip()} lies "
                f"outside the domain of {name!r}, {column} in [{low:g}, {high:g}] ({rows}): "
                f"it is not {name}'s data (another function's file?). {remedy}"
            )
    with np.errstate(all="ignore"):
        f = func(data[:, 0], data[:, 1])
    scale = max(float(np.max(np.abs(data[:, 2]))), float(np.max(np.abs(f))))
    wrong = np.flatnonzero(~(np.abs(f - data[:, 2]) <= _TARGET_RTOL * scale))
    if wrong.size:
        i = int(wrong[0])
        raise ValueError(
            f"CORNN file {str(path)!r}, line {body_lines[i]}: f(x,y) = {body[i][2].strip()} but {name} at "
            f"x = {body[i][0].strip()}, y = {body[i][1].strip()} is {float(f[i])!r} "
            f"({wrong.size} rows differ by more than {_TARGET_RTOL:g} of the largest |f|): it is "
            f"not {name}'s data (another function's file?). {remedy}"
        )


def _read_published(name: str, folder: Path, source: str) -> tuple[np.ndarray, np.ndarray]:
    if not folder.is_dir():
        raise FileNotFoundError(
            f"CORNN data folder {str(folder)!r} (from {source}) does not exist or is not a "
            f"folder. It must hold the published files '<name>_train_set.csv' and "
            f"'<name>_test_set.csv' from {_CORNN_URL}; or {_generate_instead(source)}"
        )
    arrays = []
    for part, n_rows in (("train", N_TRAIN), ("test", N_TEST)):
        path = folder / f"{name}_{part}_set.csv"
        if not path.is_file():
            raise FileNotFoundError(
                f"CORNN file {path.name!r} not found in {str(folder)!r} (from {source}). "
                f"That folder must hold the published files '<name>_train_set.csv' and "
                f"'<name>_test_set.csv' ({N_TRAIN} and {N_TEST} rows, columns x, y, f(x,y)) "
                f"from {_CORNN_URL}; or {_generate_instead(source)}"
            )
        arrays.append(_read_csv(path, n_rows, source, name))
    return arrays[0], arrays[1]


def _generate(name: str) -> tuple[np.ndarray, np.ndarray]:
    func, (x_lo, x_hi), (y_lo, y_hi) = _FUNCTIONS[name]
    # crc32 rather than hash(): str hashes are salted per process.
    rng = np.random.default_rng([_SEED, zlib.crc32(name.encode())])
    n = N_TRAIN + N_TEST
    x = rng.uniform(x_lo, x_hi, size=n)
    y = rng.uniform(y_lo, y_hi, size=n)
    data = np.column_stack([x, y, func(x, y)])
    return data[:N_TRAIN], data[N_TRAIN:]


def _to_unit(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``[low, high]`` linearly onto ``[-1, 1]``."""
    return 2.0 * (values - low) / (high - low) - 1.0


def load_cornn(
    name: str,
    data_home: str | os.PathLike | None = None,
    *,
    scaled: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load one CORNN regression data set.

    CORNN samples a 2-D function uniformly over its domain: 3750 training and
    1250 test points. With ``data_home`` the published CSV files are read;
    without it, data of the same kind are generated from the function's closed
    form (:data:`CORNN_FUNCTIONS`) with a fixed seed, so no files are needed.
    The generated points are not the published ones, only drawn the same way.

    Parameters
    ----------
    name : str
        One of :func:`cornn_names`, e.g. ``"Ackley N.2"``.
    data_home : str or path-like, default=None
        Folder holding the published files ``<name>_train_set.csv`` and
        ``<name>_test_set.csv`` (columns ``x, y, f(x,y)``), as found in the
        ``lib/data_sets/`` folder of https://github.com/CWCleghornAI/CORNN
        (``data_sets/`` in earlier versions). When
        None, the environment variable ``SKLEARN_SWAT_CORNN_HOME`` is used if
        set and non-empty, and otherwise the data are generated.
    scaled : bool, default=True
        Scale as CORNN does: each input is mapped linearly from the function's
        domain (:func:`cornn_domain`) to [-1, 1], and the targets by the map
        that sends the training targets' minimum and maximum to -1 and 1 (the
        same map is applied to the test targets, which may fall slightly
        outside [-1, 1]). If False, return the raw values.

    Returns
    -------
    X_train : ndarray of shape (3750, 2), dtype float64
        Training inputs, columns ``x`` and ``y``.
    X_test : ndarray of shape (1250, 2), dtype float64
        Test inputs.
    y_train : ndarray of shape (3750,), dtype float64
        Training targets ``f(x, y)``.
    y_test : ndarray of shape (1250,), dtype float64
        Test targets.

    Raises
    ------
    ValueError
        If ``name`` is unknown, or a CSV file is malformed (not UTF-8 text,
        wrong columns, wrong number of rows, non-numeric values), or is not
        ``name``'s data: a point outside :func:`cornn_domain`, or a target that
        is not the closed form's value at its point. A UTF-8 byte order mark
        is accepted. Also if ``scaled=True`` and the training targets are
        all equal (nothing to scale them by).
    TypeError
        If ``name`` is not a string, or ``data_home`` is neither a path nor
        None.
    FileNotFoundError
        If the data folder or one of its two files is missing.

    See Also
    --------
    cornn_names : The 54 function names.
    cornn_domain : The domain of a function.

    Notes
    -----
    The published files are GPL-3.0 data and are not shipped with this package.
    The closed forms reproduce the published targets of all 54 functions at the
    published points, to within 1e-13 of the targets' largest magnitude.

    Examples
    --------
    >>> from sklearn_swat.datasets import load_cornn
    >>> X_train, X_test, y_train, y_test = load_cornn("Booth")
    >>> X_train.shape, X_test.shape, y_train.shape, y_test.shape
    ((3750, 2), (1250, 2), (3750,), (1250,))
    >>> float(y_train.min()), float(y_train.max())
    (-1.0, 1.0)
    >>> X_raw, _, y_raw, _ = load_cornn("Booth", scaled=False)
    >>> bool((abs(X_raw) <= 10).all())
    True
    """
    name = _check_name(name)
    folder, source = _resolve_data_home(data_home)
    if folder is None:
        train, test = _generate(name)
    else:
        train, test = _read_published(name, folder, source)
    X_train, y_train = train[:, :2].copy(), train[:, 2].copy()
    X_test, y_test = test[:, :2].copy(), test[:, 2].copy()
    if scaled:
        _, x_range, y_range = _FUNCTIONS[name]
        for j, (low, high) in enumerate((x_range, y_range)):
            X_train[:, j] = _to_unit(X_train[:, j], low, high)
            X_test[:, j] = _to_unit(X_test[:, j], low, high)
        t_min, t_max = y_train.min(), y_train.max()
        if t_max == t_min:
            raise ValueError(
                f"The training targets of {name!r} are constant ({float(t_min)!r}); they cannot be "
                "scaled to [-1, 1]. Pass scaled=False, or check the data files."
            )
        y_train = _to_unit(y_train, t_min, t_max)
        y_test = _to_unit(y_test, t_min, t_max)
    return X_train, X_test, y_train, y_test
