"""Turn a benchmark's ``results.csv`` into ``report.md`` and two figures.

Comparisons are made per (data set, seed) pair, where both estimators have a
row, then aggregated over the pairs; the per-data-set table and bars show
the median over seeds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

from ._registry import BenchmarkError, estimator_names
from ._runner import RESULTS_FILE, SETTINGS_FILE, _index, read_results

REPORT_FILE = "report.md"
SCATTER_FIGURE = "mse_vs_nonzero.png"
BARS_FIGURE = "per_dataset.png"
MSE_TOLERANCE = 1.1
"""The win rule's factor, 1.1: ``swat`` wins against a rival on a data set when its network
is no larger and its test MSE is at most 1.1 times the rival's (comparable accuracy with no
more parameters)."""
_WIN_RATE_AGAINST = ("darts-admm", "darts-admm-depths", "swat-untrained", "pruned-mlp", "swat-tanh")
# The win rates' intervals: a percentile bootstrap over data sets, fixed draws.
CONFIDENCE = 0.95
_N_RESAMPLES = 9999


@dataclass
class WinRate:
    """How often ``swat`` beats another estimator, over (data set, seed) pairs.

    Attributes
    ----------
    wins : int
        Pairs where swat has no more non-zeros and test MSE at most 1.1 times
        the other's.
    n_pairs : int
        Pairs where both have a row.
    interval : tuple of float
        95% interval of the rate: the percentile bootstrap over data sets (a
        data set's pairs, one per seed, are drawn together; 9999 draws,
        seeded, so the same rows give the same interval). It says how far
        the rate could move on other functions like these; ``(nan, nan)``
        with fewer than two data sets, and when not computed.
    n_datasets : int
        Data sets with at least one pair: those the interval draws (0 when
        not computed).

    Examples
    --------
    >>> from sklearn_swat.benchmark import WinRate
    >>> w = WinRate(wins=3, n_pairs=4)
    >>> w
    WinRate(wins=3, n_pairs=4)
    >>> w.rate
    0.75
    """

    wins: int
    n_pairs: int
    interval: tuple[float, float] = field(default=(float("nan"), float("nan")), repr=False)
    n_datasets: int = field(default=0, repr=False)

    @property
    def rate(self) -> float:
        """``wins / n_pairs`` (NaN without pairs).

        Examples
        --------
        >>> from sklearn_swat.benchmark import WinRate
        >>> WinRate(wins=1, n_pairs=2).rate
        0.5
        >>> WinRate(wins=0, n_pairs=0).rate
        nan
        """
        return self.wins / self.n_pairs if self.n_pairs else float("nan")


@dataclass
class Summary:
    """The report's summary figures.

    Attributes
    ----------
    datasets : list of str
        Data sets in the results, in CORNN order.
    estimators : list of str
        Estimators in the results.
    seeds : list of int
        Seeds in the results.
    win_rates : dict of str to WinRate
        ``swat`` against ``darts-admm``, ``darts-admm-depths``, ``swat-untrained``,
        ``pruned-mlp`` and ``swat-tanh``, each present only when both estimators are
        in the results.
    mlp_ratios : dict of str to float
        ``swat`` against ``mlp``: ``n_pairs``, ``median_mse_ratio`` (median of
        swat's test MSE over mlp's) and ``median_nonzero_ratio``; empty when
        either is missing.
    ratios : dict of str to dict
        ``swat`` against every other estimator present: ``n_pairs``,
        ``median_mse_ratio``, ``median_nonzero_ratio``, ``more_accurate``
        (pairs where swat's test MSE is at most 1.1x the other's),
        ``no_larger`` (pairs where swat has no more non-zeros): the two
        halves of the win rule, counted apart; and ``rival_constant``
        (pairs where the other returned a constant network, 1 non-zero, and
        swat did not: no network but a constant can win those); and
        ``rival_wins``, the win rule reversed (pairs where the other has no
        more non-zeros than swat and a test MSE at most 1.1x swat's).
    sized : dict
        The pretrained search (``swat``) against the untrained one
        (``swat-untrained``) at equal size: on each (data set, seed) the
        larger of the two networks is replaced by its search capped at the
        smaller one's size (``swat-sized`` or ``swat-untrained-sized``).
        ``n_pairs``, ``wins`` (the win rule, the pretrained side first),
        ``rival_wins`` (reversed), ``lower_mse`` and ``higher_mse`` (pairs
        where the pretrained side's test MSE is more than 1.1x lower, or
        higher), ``both_constant``, ``rival_constant`` (the untrained side
        returned the constant network, 1 non-zero, and the pretrained one
        did not), ``constant`` (the reverse), ``equal_size`` (pairs of
        networks with as many non-zeros), ``median_mse_ratio`` and
        ``median_nonzero_ratio`` (pretrained over untrained), ``missing``
        (pairs whose capped row is absent, left out), and ``by_cut``: the
        same counts, but ``missing``, for the pairs where ``"swat"`` was
        cut, where ``"untrained"`` was, and where the sizes were
        ``"equal"``. Empty without ``swat``, ``swat-untrained`` and a capped
        estimator.
    descent : dict
        The latent descent alone (``swat-descent``: ``polish_iter=0,
        prune=False``) through the pretrained autoencoder against the same
        through an untrained one (``swat-descent-untrained``): where
        pretraining acts before the weight-space polish and pruning. The
        counts of ``sized`` (without ``missing`` and ``by_cut``): among them
        ``rival_constant`` (the untrained descent ended at the constant
        network and the pretrained one did not) and ``constant`` (the
        reverse). Empty without both estimators.
    seed_baseline : dict of str to WinRate
        The win rule between two fits of one estimator that differ only in
        the seed: for ``swat`` and each estimator of ``win_rates``, over
        the data sets and every ordered pair of distinct seeds where both
        fits have a row. What chance alone gives under the rule (ties count
        both ways); empty with a single seed.
    median_fit_seconds : dict of str to float
        Median fit time of each estimator, over all its rows.
    n_fits : dict of str to int
        Rows of each estimator.
    n_duplicates : int
        Rows left out because an earlier row had the same data set,
        estimator and seed.

    Examples
    --------
    >>> from sklearn_swat.benchmark import Summary, summarize
    >>> rows = [
    ...     dict(dataset="Booth", estimator="swat", test_mse=0.02, n_nonzero=10, seed=0, fit_seconds=5.0),
    ...     dict(dataset="Booth", estimator="mlp", test_mse=0.01, n_nonzero=85, seed=0, fit_seconds=1.0),
    ... ]
    >>> s = summarize(rows)
    >>> isinstance(s, Summary)
    True
    >>> s.datasets, s.estimators, s.seeds
    (['Booth'], ['swat', 'mlp'], [0])
    >>> s.mlp_ratios["median_mse_ratio"], s.ratios["mlp"]["no_larger"]
    (2.0, 1)
    >>> s.win_rates  # no darts-admm, swat-untrained, pruned-mlp or swat-tanh rows
    {}
    """

    datasets: list[str]
    estimators: list[str]
    seeds: list[int]
    win_rates: dict[str, WinRate] = field(default_factory=dict)
    mlp_ratios: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, dict] = field(default_factory=dict)
    sized: dict[str, float] = field(default_factory=dict)
    descent: dict[str, float] = field(default_factory=dict)
    seed_baseline: dict[str, WinRate] = field(default_factory=dict)
    median_fit_seconds: dict[str, float] = field(default_factory=dict)
    n_fits: dict[str, int] = field(default_factory=dict)
    n_duplicates: int = 0


def _pairs(index, a: str, b: str) -> list[tuple[dict, dict]]:
    keys = sorted({(d, s) for d, s, e in index if e == a} & {(d, s) for d, s, e in index if e == b})
    return [(index[(d, s, a)], index[(d, s, b)]) for d, s in keys]


def _wins(a: dict, b: dict) -> bool:
    # The win rule: ``a`` no larger than ``b`` and at most MSE_TOLERANCE times its test MSE.
    return a["n_nonzero"] <= b["n_nonzero"] and a["test_mse"] <= MSE_TOLERANCE * b["test_mse"]


def _clearly_lower(a: dict, b: dict) -> bool:
    # ``a``'s test MSE more than MSE_TOLERANCE times lower than ``b``'s.
    return a["test_mse"] * MSE_TOLERANCE < b["test_mse"]


def _interval(wins_by_dataset: dict[str, list[bool]]) -> tuple[float, float]:
    """95% percentile-bootstrap interval of a win rate, data sets drawn with replacement.

    ``wins_by_dataset`` maps each data set to the outcomes of its pairs; a
    draw takes whole data sets, so the seeds of one function, which are not
    independent, move together.
    """
    if len(wins_by_dataset) < 2:
        return (float("nan"), float("nan"))
    wins = np.array([sum(v) for v in wins_by_dataset.values()], dtype=float)
    pairs = np.array([len(v) for v in wins_by_dataset.values()], dtype=float)
    if np.all(wins * pairs[0] == wins[0] * pairs):  # one rate everywhere: no spread to draw
        rate = float(wins.sum() / pairs.sum())
        return (rate, rate)
    res = bootstrap(
        (wins, pairs),
        lambda w, n, axis=-1: w.sum(axis=axis) / n.sum(axis=axis),
        paired=True,
        vectorized=True,
        confidence_level=CONFIDENCE,
        n_resamples=_N_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def _win_rate(pairs: Sequence[tuple[dict, dict]]) -> WinRate:
    """The win rule over ``pairs`` (first side first), with its interval over data sets."""
    by_dataset: dict[str, list[bool]] = {}
    for a, b in pairs:
        by_dataset.setdefault(a["dataset"], []).append(_wins(a, b))
    wins = sum(sum(v) for v in by_dataset.values())
    return WinRate(int(wins), len(pairs), _interval(by_dataset), len(by_dataset))


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return 1.0 if a == 0 else float("inf")
    return a / b


def _equal_size(index) -> dict:
    """The pretrained and the untrained search at equal size, the larger network cut down.

    For each (data set, seed) with ``swat`` and ``swat-untrained`` rows: where
    swat's network is larger, ``swat-sized`` (swat capped at the untrained
    search's size) meets ``swat-untrained``; where the untrained one is
    larger, ``swat`` meets ``swat-untrained-sized``; at equal size the two
    meet as they are. Either cut costs the cut search accuracy, so only both
    directions together are a fair comparison.
    """
    groups = {"swat": [], "untrained": [], "equal": []}
    missing = 0
    for a, b in _pairs(index, "swat", "swat-untrained"):
        key = (a["dataset"], a["seed"])
        if a["n_nonzero"] > b["n_nonzero"]:
            group, pair = "swat", (index.get((*key, "swat-sized")), b)
        elif a["n_nonzero"] < b["n_nonzero"]:
            group, pair = "untrained", (a, index.get((*key, "swat-untrained-sized")))
        else:
            group, pair = "equal", (a, b)
        if any(row is None for row in pair):
            missing += 1
        else:
            groups[group].append(pair)

    everything = [pair for pairs in groups.values() for pair in pairs]
    return {**_side_by_side(everything), "missing": missing,
            "by_cut": {name: _side_by_side(pairs) for name, pairs in groups.items()}}


def _side_by_side(pairs: Sequence[tuple[dict, dict]]) -> dict:
    """A pretrained search (first) against an untrained one (second), pair by pair."""

    def median(key: str) -> float:
        return float(np.median([_ratio(p[key], u[key]) for p, u in pairs])) if pairs else float("nan")

    return {
        "n_pairs": len(pairs),
        "wins": int(sum(_wins(p, u) for p, u in pairs)),
        "rival_wins": int(sum(_wins(u, p) for p, u in pairs)),
        "lower_mse": int(sum(_clearly_lower(p, u) for p, u in pairs)),
        "higher_mse": int(sum(_clearly_lower(u, p) for p, u in pairs)),
        "both_constant": int(sum(p["n_nonzero"] == u["n_nonzero"] == 1 for p, u in pairs)),
        "rival_constant": int(sum(u["n_nonzero"] == 1 < p["n_nonzero"] for p, u in pairs)),
        "constant": int(sum(p["n_nonzero"] == 1 < u["n_nonzero"] for p, u in pairs)),
        "median_mse_ratio": median("test_mse"),
        "median_nonzero_ratio": median("n_nonzero"),
        "equal_size": int(sum(p["n_nonzero"] == u["n_nonzero"] for p, u in pairs)),
    }


def _ordered(names, order: Sequence[str]) -> list[str]:
    names = set(names)
    return [n for n in order if n in names] + sorted(names - set(order))


def summarize(rows: Sequence[dict]) -> Summary:
    """Compute the report's summary figures from the rows of ``results.csv``.

    Parameters
    ----------
    rows : sequence of dict
        Rows as :func:`read_results` returns them.

    Returns
    -------
    summary : Summary
        Win rates, the ratios against ``mlp`` and the median fit times, for
        the estimators present.

    Examples
    --------
    >>> from sklearn_swat.benchmark import summarize
    >>> rows = [
    ...     dict(dataset="Booth", estimator="swat", test_mse=0.010, n_nonzero=20, seed=0, fit_seconds=9.0),
    ...     dict(dataset="Booth", estimator="darts-admm", test_mse=0.0095, n_nonzero=40, seed=0,
    ...          fit_seconds=12.0),
    ... ]
    >>> s = summarize(rows)
    >>> s.win_rates["darts-admm"].wins, s.win_rates["darts-admm"].n_pairs
    (1, 1)
    >>> s.median_fit_seconds
    {'swat': 9.0, 'darts-admm': 12.0}
    """
    from ..datasets import cornn_names

    index, duplicates = _index(rows)
    summary = Summary(
        datasets=_ordered({d for d, _, _ in index}, cornn_names()),
        estimators=_ordered({e for _, _, e in index}, estimator_names()),
        seeds=sorted({s for _, s, _ in index}),
        n_duplicates=duplicates,
    )
    present = set(summary.estimators)
    if "swat" in present:
        for other in _WIN_RATE_AGAINST:
            if other in present:
                summary.win_rates[other] = _win_rate(_pairs(index, "swat", other))
        if "mlp" in present:
            pairs = _pairs(index, "swat", "mlp")
            summary.mlp_ratios = {
                "n_pairs": len(pairs),
                "median_mse_ratio": float(np.median([_ratio(a["test_mse"], b["test_mse"]) for a, b in pairs]))
                if pairs else float("nan"),
                "median_nonzero_ratio": float(
                    np.median([_ratio(a["n_nonzero"], b["n_nonzero"]) for a, b in pairs])
                ) if pairs else float("nan"),
            }
    if "swat" in present:
        for other in summary.estimators:
            pairs = _pairs(index, "swat", other) if other != "swat" else []
            if pairs:
                mse = [(a["test_mse"], b["test_mse"]) for a, b in pairs]
                nnz = [(a["n_nonzero"], b["n_nonzero"]) for a, b in pairs]
                summary.ratios[other] = {
                    "n_pairs": len(pairs),
                    "median_mse_ratio": float(np.median([_ratio(a, b) for a, b in mse])),
                    "median_nonzero_ratio": float(np.median([_ratio(a, b) for a, b in nnz])),
                    "more_accurate": int(sum(a <= MSE_TOLERANCE * b for a, b in mse)),
                    "no_larger": int(sum(a <= b for a, b in nnz)),
                    "rival_constant": int(sum(b == 1 < a for a, b in nnz)),
                    "rival_wins": int(sum(_wins(b, a) for a, b in pairs)),
                }
    if {"swat", "swat-untrained"} <= present and present & {"swat-sized", "swat-untrained-sized"}:
        summary.sized = _equal_size(index)
    if {"swat-descent", "swat-descent-untrained"} <= present:
        summary.descent = _side_by_side(_pairs(index, "swat-descent", "swat-descent-untrained"))
    if len(summary.seeds) > 1:
        for est in ["swat", *summary.win_rates]:
            if est in present:
                pairs = [(index[(d, s1, est)], index[(d, s2, est)])
                         for d in summary.datasets for s1 in summary.seeds for s2 in summary.seeds
                         if s1 != s2 and (d, s1, est) in index and (d, s2, est) in index]
                summary.seed_baseline[est] = _win_rate(pairs)
    for est in summary.estimators:
        times = [r["fit_seconds"] for (_, _, e), r in index.items() if e == est]
        summary.median_fit_seconds[est] = float(np.median(times))
        summary.n_fits[est] = len(times)
    return summary


def _per_dataset(index, datasets, estimators, key: str) -> np.ndarray:
    """Median of ``key`` over seeds, shape (n_datasets, n_estimators), NaN where missing."""
    out = np.full((len(datasets), len(estimators)), np.nan)
    for i, d in enumerate(datasets):
        for j, e in enumerate(estimators):
            values = [r[key] for (dd, _, ee), r in index.items() if dd == d and ee == e]
            if values:
                out[i, j] = float(np.median(values))
    return out


def _fmt_count(x: float) -> str:
    if np.isnan(x):
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _fmt_mse(x: float) -> str:
    return "–" if np.isnan(x) else f"{x:.3g}"


def _plot_scatter(index, estimators: list[str], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    markers = "os^Dvx<>"
    for j, est in enumerate(estimators):
        rows = [r for (_, _, e), r in index.items() if e == est]
        # Log axes cannot show 0: a perfect fit is drawn at 1e-12.
        mse = np.maximum([r["test_mse"] for r in rows], 1e-12)
        nnz = np.maximum([r["n_nonzero"] for r in rows], 1)
        ax.scatter(nnz, mse, label=est, marker=markers[j % len(markers)], alpha=0.7, s=22)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("non-zero parameters")
    ax.set_ylabel("test MSE (scaled target)")
    ax.set_title("Test MSE against network size, one point per data set and seed")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path, dpi=120)


def _plot_bars(mse: np.ndarray, nnz: np.ndarray, datasets, estimators, path: Path) -> None:
    from matplotlib.figure import Figure

    n_d, n_e = mse.shape
    fig = Figure(figsize=(float(np.clip(2.0 + 0.07 * n_d * n_e, 8.0, 30.0)), 8.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    x = np.arange(n_d)
    width = 0.8 / max(1, n_e)
    for j, est in enumerate(estimators):
        offset = (j - (n_e - 1) / 2) * width
        axes[0].bar(x + offset, np.maximum(mse[:, j], 1e-12), width, label=est)
        axes[1].bar(x + offset, nnz[:, j], width, label=est)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("test MSE (scaled target)")
    axes[1].set_ylabel("non-zero parameters")
    axes[0].set_title("Per data set (median over seeds)")
    axes[0].legend(fontsize="small", ncols=min(n_e, 6))
    axes[1].set_xticks(x, datasets, rotation=75, ha="right", fontsize="small")
    for ax in axes:
        ax.grid(True, axis="y", alpha=0.3)
    fig.savefig(path, dpi=110)


def _pct(w: WinRate) -> str:
    if not w.n_pairs:
        return "no common pairs"
    text = f"{w.wins}/{w.n_pairs} ({100 * w.rate:.0f}%"
    if not np.isnan(w.interval[0]):
        text += f"; {100 * CONFIDENCE:.0f}% interval {100 * w.interval[0]:.0f} to {100 * w.interval[1]:.0f}%"
    return text + ")"


def _run_settings(folder: Path) -> dict:
    """What ``run.json`` records about the rows (empty when it is absent or unreadable)."""
    try:
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return settings if isinstance(settings, dict) else {}


def write_report(
    folder: str | os.PathLike,
    *,
    title: str = "CORNN benchmark",
    target_note: str = "Test MSE is on the target scaled as CORNN scales it",
) -> Path:
    """Write ``report.md`` and its figures from ``folder/results.csv``.

    Parameters
    ----------
    folder : str or path-like
        The benchmark's output folder.
    title : str, default="CORNN benchmark"
        The report's heading: other data than CORNN's (run with the same
        estimators and written in the same columns) get the same report.
    target_note : str, default="Test MSE is on the target scaled as CORNN scales it"
        What scale the test MSE is on, for the report's first paragraph.

    Returns
    -------
    path : Path
        The written ``report.md``; the figures ``mse_vs_nonzero.png`` and
        ``per_dataset.png`` are next to it.

    Raises
    ------
    BenchmarkError
        If ``results.csv`` is missing, empty or corrupt.

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from sklearn_swat.benchmark import COLUMNS, write_report
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "results.csv").write_text(
    ...         ",".join(COLUMNS) + "\\n"
    ...         + "Booth,swat,0.02,10,3,1,5.000,0\\n"
    ...         + "Booth,mlp,0.01,85,7-7,2,1.000,0\\n"
    ...     )
    ...     path = write_report(folder)
    ...     print(path.name, sorted(os.listdir(folder)))
    ...     print(path.read_text().splitlines()[0])
    report.md ['mse_vs_nonzero.png', 'per_dataset.png', 'report.md', 'results.csv']
    # CORNN benchmark
    """
    folder = Path(folder).expanduser()
    results = folder / RESULTS_FILE
    if folder.exists() and not folder.is_dir():
        raise BenchmarkError(
            f"{str(folder)!r} is not a folder: give the folder passed to `cornn --out`, the one "
            f"that holds {RESULTS_FILE}."
        )
    if results.exists() and not results.is_file():
        raise BenchmarkError(f"{str(results)!r} is not a file: give the folder passed to `cornn --out`.")
    if not results.is_file():
        raise BenchmarkError(
            f"No {RESULTS_FILE} in {str(folder)!r}: run `python -m sklearn_swat.benchmark cornn "
            f"--out {folder}` first."
        )
    rows = read_results(results)
    if not rows:
        raise BenchmarkError(f"{str(results)!r} has no rows yet: nothing to report.")
    s = summarize(rows)
    index, _ = _index(rows)
    mse = _per_dataset(index, s.datasets, s.estimators, "test_mse")
    nnz = _per_dataset(index, s.datasets, s.estimators, "n_nonzero")
    _plot_scatter(index, s.estimators, folder / SCATTER_FIGURE)
    _plot_bars(mse, nnz, s.datasets, s.estimators, folder / BARS_FIGURE)

    several = len(s.seeds) > 1
    lines = [
        f"# {title}",
        "",
        f"From `{RESULTS_FILE}`: {sum(s.n_fits.values())} fits, {len(s.datasets)} data sets, "
        f"estimators {', '.join(f'`{e}`' for e in s.estimators)}, "
        f"seed{'s' if several else ''} {', '.join(str(x) for x in s.seeds)}. "
        f"{target_note}; non-zeros count weights and biases.",
        "",
    ]
    run = _run_settings(folder)
    source = {
        "published": "Data: the published CORNN CSV files (`--data-home`).",
        "generated": "Data: generated from the functions' closed forms and domains (no "
                     "`--data-home`): the published files' sizes and domains, not their points.",
    }.get(run.get("data"))
    if source:
        lines += [source, ""]
    if run.get("quick"):
        lines += ["**These rows were fitted with `--quick`, the tiny settings of the tests: "
                  "their figures say nothing about the estimators.**", ""]
    if several:
        lines += [
            f"With {len(s.seeds)} seeds, each comparison below is made per (data set, seed) pair "
            "where both estimators have a row, then aggregated over the pairs; the table and the "
            "bars show the median over seeds.",
            "",
        ]
    if s.n_duplicates:
        lines += [f"{s.n_duplicates} duplicate rows (same data set, estimator and seed) were "
                  "left out; the first of each was kept.", ""]
    unit = "(data set, seed) pairs" if several else "data sets"
    lines += ["## Summary", ""]
    if "swat" not in s.estimators:
        lines += ["`swat` is not in the results: no comparisons.", ""]
    comparisons = []
    rule = f"`swat` has no more non-zeros and test MSE <= {MSE_TOLERANCE:g}x"
    for other, w in s.win_rates.items():
        comparisons.append(
            f"| `swat` vs `{other}`: win rate | {_pct(w)} "
            f"| share of {unit} where {rule} `{other}`'s |"
        )
    if s.mlp_ratios:
        n = s.mlp_ratios["n_pairs"]
        # No common pair: said as the win rates say it, not as nan.
        mse_ratio, nonzero_ratio = (f"{s.mlp_ratios[key]:.3g}" if n else "no common pairs"
                                    for key in ("median_mse_ratio", "median_nonzero_ratio"))
        comparisons.append(
            f"| `swat` vs `mlp`: median test MSE ratio | {mse_ratio} | "
            f"median over {n} {unit} of swat's MSE / mlp's |"
        )
        comparisons.append(
            f"| `swat` vs `mlp`: median non-zero ratio | {nonzero_ratio} | "
            f"median over {n} {unit} of swat's non-zeros / mlp's |"
        )
    if comparisons:
        lines += ["| comparison | value | definition |", "|---|---|---|", *comparisons, ""]
    if s.seed_baseline:
        lines += [
            "What chance alone gives under the win rule: each estimator against itself, its fit "
            "on a data set with one seed against its fit there with another, over every ordered "
            "pair of seeds (ties count for both sides). A rival that differed from `swat` only by "
            "chance would be beaten at about `swat`'s rate here.",
            "",
            "| estimator | wins against itself with another seed |",
            "|---|---:|",
            *(f"| `{e}` | {_pct(w)} |" for e, w in s.seed_baseline.items()),
            "",
        ]
    if any(not np.isnan(w.interval[0]) for w in [*s.win_rates.values(), *s.seed_baseline.values()]):
        # Each interval draws the data sets its own comparison covers.
        covered = sorted({w.n_datasets for w in [*s.win_rates.values(), *s.seed_baseline.values()]
                          if not np.isnan(w.interval[0])})
        drawn = (f"{covered[0]} data sets" if len(covered) == 1
                 else f"the {covered[0]} to {covered[-1]} data sets each comparison covers")
        lines += [
            f"Each {100 * CONFIDENCE:.0f}% interval is a percentile bootstrap over the data sets "
            f"({_N_RESAMPLES} draws of {drawn} with replacement"
            + (", a data set's seeds drawn together" if len(s.seeds) > 1 else "")
            + "): how far the rate could move on other functions like these.",
            "",
        ]
    if s.ratios:
        lines += [
            "The two halves of the win rule counted apart, the median ratios "
            f"(swat's figure over the rival's, per {unit[:-1]}), and how often the rival returned a "
            "constant network (1 non-zero: no fit beyond the mean) where swat did not; only a constant "
            "network can win those under the rule. The last column applies the win rule the other way "
            "round: the rival no larger than swat and within "
            f"{MSE_TOLERANCE:g}x of its test MSE (ties count for both sides).",
            "",
            f"| rival | swat's test MSE <= {MSE_TOLERANCE:g}x | swat no larger | median MSE ratio "
            "| median non-zero ratio | rival constant, swat not | rival wins, rule reversed |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(
                f"| `{o}` | {r['more_accurate']}/{r['n_pairs']} | {r['no_larger']}/{r['n_pairs']} "
                f"| {r['median_mse_ratio']:.3g} | {r['median_nonzero_ratio']:.3g} "
                f"| {r['rival_constant']}/{r['n_pairs']} | {r['rival_wins']}/{r['n_pairs']} |"
                for o, r in s.ratios.items()
            ),
            "",
        ]
    if s.sized:
        z = s.sized
        t = f"{MSE_TOLERANCE:g}x"
        cols = [z, *(z["by_cut"][name] for name in ("swat", "untrained", "equal"))]

        def row(label: str, key: str, fmt: str = "{}") -> str:
            return f"| {label} | " + " | ".join(fmt.format(c[key]) for c in cols) + " |"

        lines += [
            "### Pretraining at equal size",
            "",
            "The two searches compared at a size cap: on each "
            f"{unit[:-1]}, the search whose network came out larger is run again with "
            "`max_nonzero` set to the other's size (`swat-sized`: `swat` capped at "
            "`swat-untrained`'s size; `swat-untrained-sized`: the reverse), and the test MSE says "
            "which latent space found the better network within that size. `max_nonzero` is a "
            "cap, not a size: the capped search keeps the smallest network within its "
            "tolerance, often below the cap, so the two sizes can still differ (the last two "
            "rows). Cutting a network below the size its search stopped at costs accuracy, so "
            "each direction alone favours the search that was not cut; the first column counts "
            "both.",
            "",
            "| | all | `swat` cut | `swat-untrained` cut | equal size, none cut |",
            "|---|---:|---:|---:|---:|",
            row("pairs", "n_pairs"),
            row(f"pretrained test MSE more than {t} lower", "lower_mse"),
            row(f"pretrained test MSE more than {t} higher", "higher_mse"),
            row("both constant", "both_constant"),
            row("median test MSE ratio (pretrained / untrained)", "median_mse_ratio", "{:.3g}"),
            row("pretrained wins (rule above)", "wins"),
            row("untrained wins (rule above)", "rival_wins"),
            row("networks of equal size", "equal_size"),
            row("median non-zero ratio (pretrained / untrained)", "median_nonzero_ratio", "{:.3g}"),
            "",
        ]
        if z["missing"]:
            lines += [
                f"{z['missing']} pairs are left out: the capped row they need is not in the results.",
                "",
            ]
    if s.descent:
        z = s.descent
        t = f"{MSE_TOLERANCE:g}x"
        lines += [
            "### Pretraining where it acts: the latent descent alone",
            "",
            "The search's latent descent without the weight-space work after it (`swat-descent`: "
            "`polish_iter=0, prune=False`; the decoded networks as the descent leaves them, chosen "
            "as usual), through the pretrained autoencoder and through an untrained one "
            "(`swat-descent-untrained`, drawn with each seed). The L-BFGS polish and the pruning "
            "that follow in `swat` work in weight space on whatever network the descent hands "
            "them, the same way for both latent spaces.",
            "",
            f"| {unit} | {z['n_pairs']} |",
            "|---|---:|",
            f"| pretrained test MSE more than {t} lower | {z['lower_mse']} |",
            f"| pretrained test MSE more than {t} higher | {z['higher_mse']} |",
            f"| median test MSE ratio (pretrained / untrained) | {z['median_mse_ratio']:.3g} |",
            f"| median non-zero ratio (pretrained / untrained) | {z['median_nonzero_ratio']:.3g} |",
            f"| untrained descent ended at the constant network, pretrained not | {z['rival_constant']} |",
            f"| pretrained descent ended at the constant network, untrained not | {z['constant']} |",
            f"| both constant | {z['both_constant']} |",
            f"| pretrained wins (the win rule) | {z['wins']} |",
            f"| untrained wins (the win rule) | {z['rival_wins']} |",
            "",
        ]
    lines += [
        "| estimator | fits | median fit seconds |",
        "|---|---:|---:|",
        *(f"| `{e}` | {s.n_fits[e]} | {s.median_fit_seconds[e]:.3g} |" for e in s.estimators),
        "",
        "## Figures",
        "",
        f"![Test MSE against non-zero parameters]({SCATTER_FIGURE})",
        "",
        f"![Test MSE and non-zeros per data set]({BARS_FIGURE})",
        "",
        "## Per data set",
        "",
        "Test MSE and non-zero parameters" + (" (median over seeds)" if several else "") + ".",
        "",
        "| data set | " + " | ".join(f"{e} MSE | {e} nnz" for e in s.estimators) + " |",
        "|---|" + "---:|---:|" * len(s.estimators),
    ]
    for i, d in enumerate(s.datasets):
        cells = [f"{_fmt_mse(mse[i, j])} | {_fmt_count(nnz[i, j])}" for j in range(len(s.estimators))]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    path = folder / REPORT_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
