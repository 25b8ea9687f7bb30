"""Run estimators on the CORNN data sets and append one row per fit to ``results.csv``.

The parent process plans the fits, loads the data and is the only writer of
the results file: workers (joblib's processes, or dask workers) get the
arrays and return rows. Each row is written, flushed and fsync'ed as soon as
its fit comes back, so that a killed run loses only the fits in flight, and
a new run skips every (data set, estimator, seed) already in the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import numbers
import os
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib.externals.loky.process_executor import TerminatedWorkerError
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from .._base import torch_threads
from .._locking import exclusive_folder
from ..datasets import cornn_names, load_cornn
from ..datasets._cornn import _resolve_data_home, _utf8_text
from ._registry import ESTIMATORS, QUICK_ENV, BenchmarkError, check_names, estimator_names, make_estimator
from ._registry import network_size as _network_size

RESULTS_FILE = "results.csv"
# Held (flock) by the run writing to the folder; removed when it ends.
LOCK_FILE = ".results.csv.lock"
# What results.csv cannot say about its rows (its columns are fixed): the data they were
# fitted on and whether with the quick settings. Written with the first rows.
SETTINGS_FILE = "run.json"
COLUMNS: tuple[str, ...] = (
    "dataset", "estimator", "test_mse", "n_nonzero", "n_active_neurons", "depth", "fit_seconds", "seed",
)
"""The columns of ``results.csv``, in order: one row per fit.

``dataset, estimator, test_mse, n_nonzero, n_active_neurons, depth, fit_seconds, seed``.
"""
SCHEDULER_TIMEOUT = 10.0
_NEURONS_RE = re.compile(r"^(\d+(-\d+)*)?$")


# ---------------------------------------------------------------- results file
def _format_row(row: dict) -> str:
    missing = [key for key in COLUMNS if key not in row]
    if missing:
        raise ValueError(f"A results row needs the keys {list(COLUMNS)}; this one lacks {missing}.")
    for key in ("test_mse", "fit_seconds"):
        value = float(row[key])
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{key} must be a finite number >= 0; got {value!r}.")
    cells = [
        str(row["dataset"]),
        str(row["estimator"]),
        repr(float(row["test_mse"])),
        str(int(row["n_nonzero"])),
        "-".join(str(int(n)) for n in row["n_active_neurons"]),
        str(int(row["depth"])),
        f"{float(row['fit_seconds']):.3f}",
        str(int(row["seed"])),
    ]
    try:  # what read_results would refuse is not written: it would lock the folder
        _parse_row(cells)
    except ValueError as error:
        raise ValueError(f"This results row would not read back ({error}): {row}") from None
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


# Seeds a run fits are in [0, 2**31); a results row with another is damaged.
_SEED_LIMIT = 2**31


def _parse_row(cells: list[str]) -> dict:
    """One data row as typed values; raises ValueError saying what is wrong."""
    if len(cells) != len(COLUMNS):
        raise ValueError(f"{len(cells)} fields; expected {len(COLUMNS)}")
    values = dict(zip(COLUMNS, (c.strip() for c in cells)))
    for key in ("dataset", "estimator"):
        if not values[key]:
            raise ValueError(f"empty {key}")
    out: dict = {"dataset": values["dataset"], "estimator": values["estimator"]}
    for key in ("test_mse", "fit_seconds"):
        try:
            out[key] = float(values[key])
        except ValueError:
            raise ValueError(f"{key} {values[key]!r} is not a number") from None
        if not (math.isfinite(out[key]) and out[key] >= 0):
            raise ValueError(
                f"{key} {values[key]!r} is not a finite number >= 0: delete that line, and the "
                "next `cornn` run fits that (data set, estimator, seed) again"
            )
    for key in ("n_nonzero", "depth", "seed"):
        try:
            out[key] = int(values[key])
        except ValueError:
            raise ValueError(f"{key} {values[key]!r} is not an integer") from None
        if out[key] < 0:
            raise ValueError(f"{key} {values[key]!r} is negative")
    if out["n_nonzero"] < 1:  # the output bias counts in every network
        raise ValueError(f"n_nonzero {values['n_nonzero']!r} is below 1, the constant network's size")
    if out["seed"] >= _SEED_LIMIT:
        raise ValueError(f"seed {values['seed']!r} is not below 2**31, as every seed the benchmark fits is")
    if not _NEURONS_RE.match(values["n_active_neurons"]):
        raise ValueError(
            f"n_active_neurons {values['n_active_neurons']!r} is not of the form '7-7' "
            "(neurons per hidden layer, joined by '-')"
        )
    neurons = values["n_active_neurons"]
    out["n_active_neurons"] = [int(n) for n in neurons.split("-")] if neurons else []
    if len(out["n_active_neurons"]) != out["depth"]:
        raise ValueError(
            f"n_active_neurons {neurons!r} counts {len(out['n_active_neurons'])} hidden layer(s) but "
            f"depth is {out['depth']}, as no fit writes"
        )
    return out


def read_results(path: str | os.PathLike) -> list[dict]:
    """Read and check a benchmark ``results.csv``.

    Parameters
    ----------
    path : str or path-like
        The file. A missing or empty file has no rows.

    Returns
    -------
    rows : list of dict
        One dict per row with the keys of ``COLUMNS``: ``test_mse`` and
        ``fit_seconds`` as float, ``n_nonzero``, ``depth`` and ``seed`` as int,
        ``n_active_neurons`` as a list of int.

    Raises
    ------
    BenchmarkError
        If the header or a row is malformed, or the last row has no line end
        (it may have been cut off by an interrupted write); the message names
        the file and the line. The file is never changed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_swat.benchmark import COLUMNS, read_results
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "results.csv"
    ...     print(read_results(path))  # no file yet: no rows
    ...     _ = path.write_text(",".join(COLUMNS) + "\\n" + "Booth,mlp,0.5,85,7-7,2,1.250,0\\n")
    ...     rows = read_results(path)
    []
    >>> rows  # doctest: +NORMALIZE_WHITESPACE
    [{'dataset': 'Booth', 'estimator': 'mlp', 'test_mse': 0.5, 'fit_seconds': 1.25,
      'n_nonzero': 85, 'depth': 2, 'seed': 0, 'n_active_neurons': [7, 7]}]
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return []
    if not path.is_file():
        raise BenchmarkError(f"{str(path)!r} is not a file.")
    remedy = (
        "The file was left as it is: fix or remove that line (or move the file away) "
        "and run again; rows are never rewritten by the benchmark."
    )
    try:
        text = _utf8_text(path.read_bytes())
    except ValueError as exc:
        raise BenchmarkError(f"Corrupt results file {str(path)!r}, {exc}. {remedy}") from None
    torn = not text.endswith("\n")
    reader = csv.reader(io.StringIO(text))
    rows: list[dict] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise BenchmarkError(f"Corrupt results file {str(path)!r}, line 1: {exc}. {remedy}") from None
    if tuple(c.strip() for c in header) != COLUMNS:
        raise BenchmarkError(
            f"Corrupt results file {str(path)!r}, line 1: header {header} is not the expected "
            f"{list(COLUMNS)}. {remedy}"
        )
    n_lines = text.count("\n") + (1 if torn else 0)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BenchmarkError(
                f"Corrupt results file {str(path)!r}, line {reader.line_num}: {exc}. {remedy}"
            ) from None
        if not cells:
            continue
        if torn and reader.line_num == n_lines:
            raise BenchmarkError(
                f"Corrupt results file {str(path)!r}, line {n_lines}: the last row has no line "
                "end. Every row the benchmark writes ends with one, so this row may have been cut "
                "off by an interrupted write, even where it still reads as a row (a cut seed or "
                "time is still a number). If the row is complete (edited by hand), end it with a "
                f"line end; if not, remove it (that fit will run again). {remedy}"
            )
        try:
            rows.append(_parse_row(cells))
        except ValueError as exc:
            raise BenchmarkError(
                f"Corrupt results file {str(path)!r}, line {reader.line_num}: {exc}. {remedy}"
            ) from None
    return rows


class _ResultsWriter:
    """Appends rows to the results file, each flushed and fsync'ed before the next."""

    def __init__(self, path: Path) -> None:
        new = not path.exists() or path.stat().st_size == 0
        if not new:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                ends_open = fh.read(1) != b"\n"
            if ends_open:
                # A row cut off by an interrupted write, or edited by hand: which
                # one, only the user can tell. read_results refuses it, saying how
                # to mend it; it lets a header alone pass.
                read_results(path)
        self.path = path
        # Unbuffered: a write that fails leaves nothing behind in a buffer that a later
        # flush (at close) would append after the truncation below.
        self._fh = open(path, "ab", buffering=0)
        if new:
            self._write(",".join(COLUMNS) + "\n")
            self._sync_dir(path.parent)
        elif ends_open:
            self._write("\n")  # after the header, or the first row would be glued onto it

    @staticmethod
    def _sync_dir(folder: Path) -> None:
        # Make the new file's directory entry durable too (POSIX only).
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _write(self, text: str) -> None:
        fd = self._fh.fileno()
        start = os.lseek(fd, 0, os.SEEK_END)
        data = memoryview(text.encode("utf-8"))
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError as exc:
            # A row written in part (a full disk) would leave a file the next run refuses
            # until it is mended by hand: cut it back to the rows written before.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise OSError(
                exc.errno,
                f"{exc.strerror}; could not append to the results file, which keeps every "
                "row written before",
                str(self.path),
            ) from None

    def write(self, row: dict) -> None:
        self.write_line(_format_row(row))

    def write_line(self, line: str) -> None:
        """Append one row already formatted by :func:`_format_row`."""
        self._write(line)

    def close(self) -> None:
        self._fh.close()


def append_results(path: str | os.PathLike, rows: Sequence[dict]) -> None:
    """Append rows to a results file in the benchmark's format.

    The file (and its header) is made when missing; each row is flushed to
    disk before the next, as the benchmark itself writes them, so a killed
    script loses no finished row and :func:`read_results` reads them back.

    Parameters
    ----------
    path : str or path-like
        The ``results.csv`` to append to.
    rows : sequence of dict
        Rows with the keys of :data:`COLUMNS`; ``n_active_neurons`` is a
        sequence of neurons per hidden layer.

    Raises
    ------
    ValueError
        If a row lacks a key of :data:`COLUMNS`, or its ``test_mse`` or
        ``fit_seconds`` is not a finite number >= 0. The rows are checked
        before any is written, so a bad one appends nothing.
    BenchmarkError
        If the file's last row has no line end (see :func:`read_results`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_swat.benchmark import append_results, read_results
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "results.csv"
    ...     append_results(path, [dict(dataset="Booth", estimator="mlp", test_mse=0.01,
    ...                                n_nonzero=85, n_active_neurons=[7, 7], depth=2,
    ...                                fit_seconds=1.5, seed=0)])
    ...     read_results(path)[0]["n_active_neurons"]
    [7, 7]
    """
    # Every row checked before the first is written: a bad one appends nothing.
    lines = [_format_row(row) for row in rows]
    writer = _ResultsWriter(Path(path))
    try:
        for line in lines:
            writer.write_line(line)
    finally:
        writer.close()


# ---------------------------------------------------------------- one fit
@dataclass(frozen=True)
class _Task:
    dataset: str
    estimator: str
    seed: int
    # Size of the reference estimator's network, for an estimator that has one.
    target_n_nonzero: int | None = None


def fit_row(est: BaseEstimator, name: str, dataset: str, seed: int, data: tuple) -> dict:
    """Fit an estimator on one data set and measure it: one row of the results file.

    Parameters
    ----------
    est : estimator
        Unfitted; it is fitted in place.
    name : str
        The row's ``estimator`` value.
    dataset : str
        The row's ``dataset`` value.
    seed : int
        The row's ``seed`` value (the estimator's own seed is already set).
    data : tuple of (X_train, X_test, y_train, y_test)
        As :func:`sklearn_swat.datasets.load_cornn` returns them.

    Returns
    -------
    row : dict
        The values of :data:`COLUMNS`: test MSE, size (:func:`network_size`)
        and fit seconds.

    Raises
    ------
    ValueError
        If the test MSE is not finite (the predictions hold a NaN or an
        infinity): such a fit has no row.
    """
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    est.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    pred = est.predict(X_test)
    test_mse = float(np.mean((pred - y_test) ** 2))
    if not math.isfinite(test_mse):
        raise ValueError(
            f"The test MSE of {name} on {dataset} (seed {seed}) is {test_mse!r}: its predictions "
            "are not all finite (did the fit diverge?). No row is written for such a fit; the "
            "next run tries it again."
        )
    n_nonzero, n_active, depth = _network_size(est)
    return {
        "dataset": dataset,
        "estimator": name,
        "test_mse": test_mse,
        "n_nonzero": n_nonzero,
        "n_active_neurons": n_active,
        "depth": depth,
        "fit_seconds": seconds,
        "seed": seed,
    }


def _fit_row(name: str, dataset: str, seed: int, data, quick: bool, target: int | None,
             params: dict | None = None) -> dict:
    est = make_estimator(name, seed, quick=quick, target_n_nonzero=target)
    if params:
        est.set_params(**params)
    return fit_row(est, name, dataset, seed, data)


_warmed_up = False


def _warm_up() -> None:
    """Pay once per process the costs that would otherwise land in the first fit's time.

    The first ``torch.optim.Adam`` of a process imports ``torch._dynamo``,
    which takes seconds: without this, the first fit in each worker would be
    reported seconds slower than the others.
    """
    global _warmed_up
    if not _warmed_up:
        import torch

        torch.optim.Adam([torch.zeros(1, requires_grad=True)])
        _warmed_up = True


# The warning of sklearn's MLPRegressor when a KeyboardInterrupt stops its training.
_MLP_INTERRUPTED = "Training interrupted by user"


def _run_task(
    task: _Task, data, quick: bool, params: dict | None = None
) -> tuple[_Task, list[dict], str | None]:
    """Fit one task in a worker; return its rows and, on failure, the traceback.

    ``params``, when given, are set on the estimator (``set_params``) before the fit.
    """
    from threadpoolctl import threadpool_limits

    rows: list[dict] = []
    try:
        _warm_up()
        # One thread per fit: the parallelism is across fits.
        with torch_threads(1), threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # MLPRegressor catches Ctrl-C itself, warns and returns half trained: an
            # error here, so that the run stops as on any interruption, writing no row.
            warnings.filterwarnings("error", message=_MLP_INTERRUPTED, category=UserWarning)
            rows.append(_fit_row(task.estimator, task.dataset, task.seed, data, quick,
                                 task.target_n_nonzero, params))
        return task, rows, None
    except Exception as error:
        if isinstance(error, UserWarning) and _MLP_INTERRUPTED in str(error):
            raise KeyboardInterrupt from None
        return task, rows, traceback.format_exc()


# ---------------------------------------------------------------- the run
@dataclass
class BenchmarkRun:
    """What a call of :func:`run_benchmark` did.

    Attributes
    ----------
    path : Path
        The results file.
    n_existing : int
        Rows found in it before the run.
    n_written : int
        Rows appended by the run.
    failures : list of tuple of (str, str, int, str)
        ``(dataset, estimator, seed, traceback)`` of each fit that raised; no
        row was written for it, so a new run tries it again.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_swat.benchmark import run_benchmark
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = run_benchmark(folder, datasets=["Booth"], estimators=["mlp"], quick=True,
    ...                           progress=False)
    ...     again = run_benchmark(folder, datasets=["Booth"], estimators=["mlp"], quick=True,
    ...                           progress=False)
    >>> first.path.name, first.n_existing, first.n_written, first.failures
    ('results.csv', 0, 1, [])
    >>> again.n_existing, again.n_written  # the row is in the file: nothing is refitted
    (1, 0)
    """

    path: Path
    n_existing: int = 0
    n_written: int = 0
    failures: list[tuple[str, str, int, str]] = field(default_factory=list)


def _index(rows: Sequence[dict]) -> tuple[dict[tuple[str, int, str], dict], int]:
    """Rows by (dataset, seed, estimator), the first of duplicates kept.

    The report reads the rows so, and the runner sizes a rival from its
    reference row so: both see the same row.
    """
    index: dict[tuple[str, int, str], dict] = {}
    duplicates = 0
    for r in rows:
        key = (r["dataset"], r["seed"], r["estimator"])
        if key in index:
            duplicates += 1
        else:
            index[key] = r
    return index, duplicates


def _plan(
    datasets: Sequence[str], estimators: Sequence[str], seeds: Sequence[int], existing: Iterable[dict]
) -> tuple[list[_Task], list[tuple[str, str, int]]]:
    """Phase-1 tasks and the (dataset, estimator, seed) waiting for a reference planned in phase 1.

    A reference row neither in the file nor asked for is planned in phase 1 as
    a task of its own, so that its row is written as soon as it is fitted: an
    interrupted run keeps it.
    """
    index, _ = _index(list(existing))
    pending = [
        (d, e, s) for d in datasets for s in seeds for e in estimators if (d, s, e) not in index
    ]
    planned = set(pending)
    first: list[_Task] = []
    later: list[tuple[str, str, int]] = []
    for d, e, s in pending:
        ref = ESTIMATORS[e].reference
        if ref is None:
            first.append(_Task(d, e, s))
        elif (d, s, ref) in index:
            first.append(_Task(d, e, s, target_n_nonzero=index[(d, s, ref)]["n_nonzero"]))
        else:
            if (d, ref, s) not in planned:
                planned.add((d, ref, s))
                first.append(_Task(d, ref, s))
            later.append((d, e, s))
    return first, later


def _exclusive(folder: Path):
    """Hold an exclusive lock on the output folder, or refuse if another run holds it.

    :func:`sklearn_swat._locking.exclusive_folder` on ``folder/LOCK_FILE``.
    """
    return exclusive_folder(folder, LOCK_FILE, lambda pid: BenchmarkError(
        f"another benchmark run is writing to {str(folder)!r} (pid {pid or 'unknown'}); "
        "wait for it or use another --out."
    ))


def _describe(settings: dict) -> str:
    data = "the published CSV files" if settings.get("data") == "published" else "generated data"
    return f"{data}{' with the quick settings' if settings.get('quick') else ''}"


def _check_settings(folder: Path, settings: dict, has_rows: bool) -> None:
    """Refuse to add rows to a folder whose rows were fitted on other data or settings."""
    path = folder / SETTINGS_FILE
    if not has_rows or not path.is_file():
        return  # nothing to mix with, or rows from a version that did not record them
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        saved = {key: saved[key] for key in settings}
        if saved["data"] not in ("published", "generated") or not isinstance(saved["quick"], bool):
            raise ValueError("not the values a run records")
    except (ValueError, TypeError, KeyError):
        raise BenchmarkError(
            f"{str(path)!r} is corrupt: it should record the data ({{\"data\": \"published\"}} "
            "or \"generated\") and the \"quick\" flag the rows of results.csv were fitted with. "
            "Restore it, or delete it if you know they match this run."
        ) from None
    if saved != settings:
        raise BenchmarkError(
            f"The rows in {str(folder)!r} were fitted on {_describe(saved)} ({SETTINGS_FILE}); this "
            f"run asks for {_describe(settings)}. Its rows would be mixed with them, and rows "
            "already there taken as done. Use another --out, or run with the same data and settings."
        )


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # refused unless empty


def _connect(address: str, timeout: float):
    try:
        from distributed import Client
    except ImportError:
        raise BenchmarkError(
            "--scheduler needs dask's distributed scheduler: pip install 'dask[distributed]'."
        ) from None
    def unreachable(reason: str) -> BenchmarkError:
        return BenchmarkError(
            f"Could not reach the dask scheduler at {address!r} within {timeout:g} s "
            f"({reason}). Start one with `dask scheduler` and workers with "
            "`dask worker ADDRESS` (sklearn_swat must be importable on the workers), check the "
            "address, or leave --scheduler out to run on this machine."
        )

    # Ask what answers there first, within the timeout: Client() has no deadline for a
    # server that accepts the connection and never answers as dask does (the scheduler's
    # dashboard port, say), and would wait for ever.
    try:
        kind = _server_type(address, timeout)
    except Exception as exc:
        # dask names the probe's own deadline (0.8 of the timeout, as "after 2.4000000000000004 s"):
        # the message gives the user's timeout only.
        reason = re.sub(r"(Timed out trying to connect to \S+) after \S+ s\b", r"\1",
                        f"{type(exc).__name__}: {exc}")
        raise unreachable(reason.rstrip(": ")) from None
    if kind is None:
        raise unreachable(
            "something accepted the connection but did not answer as a dask server: the "
            "dashboard's port (8787 by default) is not the scheduler's (8786 by default)"
        )
    if kind != "Scheduler":
        raise unreachable(f"a dask {kind} answered there, not the scheduler")
    # Build the object first and start it apart: when the start fails, Client() would raise
    # without handing back the half-started client, left to close in __del__ at exit, where
    # it hangs, then prints a TimeoutError.
    client = Client.__new__(Client)
    try:
        client.__init__(address, timeout=timeout, set_as_default=False)
        return client
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        try:
            client.close(timeout=timeout)
        except Exception:
            pass  # It never connected: nothing left to release.
        del client
        raise unreachable(reason) from None


def _server_type(address: str, timeout: float) -> str | None:
    """The type of the dask server at ``address`` ("Scheduler", "Worker", ...), or None when
    something accepts the connection there but gives no dask answer within ``timeout``.

    A connection refused until the timeout raises. The question runs on an event loop of its
    own in a thread of its own, so that a caller's running loop (a notebook's) is no matter.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed import Security
    from distributed.core import rpc

    # The connection settings dask's Client takes by default (TLS from dask's config).
    connection_args = Security().get_connection_args("client")

    async def ask():
        # A shorter timeout to connect: a refused connection then raises its own reason
        # before the deadline below reads as a server that gave no answer.
        server = rpc(address, timeout=0.8 * timeout, connection_args=connection_args)
        try:
            return await server.identity()
        finally:
            await server.close_rpc()

    async def within_timeout():
        try:
            return await asyncio.wait_for(ask(), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            return None

    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(asyncio.run, within_timeout()).result()
    return None if answer is None else str(answer.get("type", "server"))


def run_benchmark(
    out: str | os.PathLike,
    *,
    datasets: Sequence[str] | None = None,
    estimators: Sequence[str] | None = None,
    seeds: Sequence[int] = (0,),
    data_home: str | os.PathLike | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout: float = SCHEDULER_TIMEOUT,
    quick: bool | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> BenchmarkRun:
    """Fit each estimator on each CORNN data set and append the rows to ``out/results.csv``.

    Parameters
    ----------
    out : str or path-like
        Output folder, made if missing. Rows already in its ``results.csv``
        (same data set, estimator and seed) are not fitted again.
    datasets : sequence of str, default=None
        Names from :func:`~sklearn_swat.datasets.cornn_names`; all 54 when None.
    estimators : sequence of str, default=None
        Names from :func:`estimator_names`; all when None.
    seeds : sequence of int, default=(0,)
        Each fit's ``random_state``; one row per data set, estimator and seed.
    data_home : str or path-like, default=None
        Folder of the published CORNN CSV files, passed to
        :func:`~sklearn_swat.datasets.load_cornn`; None reads the folder in
        ``SKLEARN_SWAT_CORNN_HOME`` if set, and otherwise generates the data.
    n_jobs : int, default=None
        Fits run at once by joblib, each on one torch thread. None means 1,
        or every worker thread of the cluster with ``scheduler``. On this
        machine, at most as many as there are fits to run.
    scheduler : str, default=None
        Address of a dask distributed scheduler (``"tcp://host:8786"``): the
        fits run on its workers through joblib's dask backend.
    scheduler_timeout : float, default=10.0
        Seconds to wait for the scheduler, and for a first worker; positive.
    quick : bool, default=None
        Tiny estimator settings, for tests; None reads the environment variable
        ``SKLEARN_SWAT_BENCHMARK_QUICK`` (``"1"`` turns it on).
    progress : bool, default=True
        Show a tqdm progress bar on stderr.
    log : callable, default=None
        Called with one line of text for each notice (plan, failures).

    Returns
    -------
    run : BenchmarkRun
        The file, the rows it had, the rows written and the failed fits.

    Raises
    ------
    BenchmarkError
        For an unknown data set or estimator, a seed outside [0, 2**31), an
        ``n_jobs`` of 0, a ``scheduler_timeout`` that is not positive, an
        empty ``data_home``, a corrupt ``results.csv``, an empty or
        unreachable scheduler, another run writing to ``out``, or rows in
        ``out`` fitted on other data or settings, before any fit runs.
    FileNotFoundError
        If ``data_home`` lacks a data set's files.

    Notes
    -----
    An estimator with a reference (``pruned-mlp`` needs ``swat``'s size on the
    same data set and seed) runs after the reference's fits of this run; if
    the reference row is neither in the file nor asked for, it is fitted
    first too, and its row written as soon as it is done.

    One run at a time writes to a folder: the run holds a lock (``flock``,
    where the system has it) on ``out/.results.csv.lock``, removed at the end
    and released by the system if the run is killed. The first rows come with
    ``out/run.json``, which records the data (published or generated) and the
    quick flag: a later run with others is refused rather than mixing its
    rows with theirs.

    Examples
    --------
    One quick fit (tiny settings: the numbers mean nothing) of ``mlp`` on
    generated data:

    >>> import tempfile
    >>> from sklearn_swat.benchmark import read_results, run_benchmark
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     run = run_benchmark(folder, datasets=["Booth"], estimators=["mlp"], quick=True,
    ...                         progress=False, log=print)
    ...     rows = read_results(run.path)
    1 fits to run (0 rows already in .../results.csv) with quick settings: the numbers mean nothing
    Wrote 1 rows to .../results.csv.
    >>> run.n_written, run.failures
    (1, [])
    >>> [(r["dataset"], r["estimator"], r["n_nonzero"], r["n_active_neurons"]) for r in rows]
    [('Booth', 'mlp', 85, [7, 7])]
    """
    log = log or (lambda message: None)
    datasets = check_names("data set", cornn_names() if datasets is None else datasets, cornn_names())
    estimators = check_names(
        "estimator", estimator_names() if estimators is None else estimators, estimator_names()
    )
    # Run order of the registry, whatever the order asked for.
    estimators = [e for e in estimator_names() if e in estimators]
    given = list(seeds) if not isinstance(seeds, (str, bytes)) else [seeds]
    if not given or any(
        not isinstance(s, numbers.Integral) or isinstance(s, bool) or not 0 <= s < _SEED_LIMIT for s in given
    ):
        raise BenchmarkError(f"seeds must be a list of integers in [0, 2**31); got {seeds!r}.")
    seeds = list(dict.fromkeys(int(s) for s in given))
    if n_jobs is not None and (
        not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0
    ):
        raise BenchmarkError(
            f"n_jobs must be a positive number of fits, or negative (-1: all cores); got {n_jobs!r}."
        )
    if not str(out).strip():
        raise BenchmarkError(
            "The output folder is empty: give a folder for results.csv (--out DIR), such as "
            "bench_out; an empty one would write into the current folder."
        )
    if scheduler is not None and not str(scheduler).strip():
        raise BenchmarkError(
            "The scheduler address is empty: give the dask scheduler's address "
            "(--scheduler tcp://host:8786), or leave --scheduler out to run on this machine."
        )
    try:
        timeout_ok = math.isfinite(float(scheduler_timeout)) and float(scheduler_timeout) > 0
    except (TypeError, ValueError):
        timeout_ok = False
    if not timeout_ok:
        raise BenchmarkError(
            "scheduler_timeout (--scheduler-timeout) must be a positive number of seconds; "
            f"got {scheduler_timeout!r}."
        )
    if quick is None:
        quick = os.environ.get(QUICK_ENV, "") == "1"

    out = Path(out).expanduser()  # "--out=~/bench" reaches us with its "~"
    if out.exists() and not out.is_dir():
        raise BenchmarkError(f"--out {str(out)!r} exists and is not a folder.")
    # Made now, to hold the lock while reading the rows already there; removed again
    # at the end if still empty (nothing written: an error, or a bad address).
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if made:
            stack.callback(_remove_if_empty, out)
        # One run at a time per folder: two would both fit every missing row.
        stack.enter_context(_exclusive(out))
        path = out / RESULTS_FILE
        existing = read_results(path)
        run = BenchmarkRun(path=path, n_existing=len(existing))
        try:
            folder = _resolve_data_home(data_home)[0]
        except TypeError as exc:  # not a path: an empty --data-home, say
            raise BenchmarkError(str(exc)) from None
        settings = {"data": "generated" if folder is None else "published", "quick": bool(quick)}
        _check_settings(out, settings, bool(existing))
        # Load every data set asked for before the first fit (a second or two for
        # all 54), so that a missing or bad file stops the run at once, even one
        # whose rows are all done; the workers get the arrays, not the path.
        try:
            data = {name: load_cornn(name, data_home) for name in datasets}
        except ValueError as exc:  # a malformed CSV file; load_cornn says which and where
            raise BenchmarkError(str(exc)) from exc
        first, later = _plan(datasets, estimators, seeds, existing)
        n_fits = len(first) + len(later)
        # Connect even when nothing is left to do: a wrong address is an error
        # of the command, whatever the state of the file.
        client = _connect(scheduler, scheduler_timeout) if scheduler else None
        if not n_fits:
            if client is not None:
                client.close()
            log(f"Nothing to do: all {len(datasets) * len(estimators) * len(seeds)} rows are in {path}.")
            return run
        log(
            f"{n_fits} fits to run ({run.n_existing} rows already in {path})"
            + (" with quick settings: the numbers mean nothing" if quick else "")
        )

        try:
            if not existing:
                (out / SETTINGS_FILE).write_text(json.dumps(settings) + "\n", encoding="utf-8")
            writer = _ResultsWriter(path)
        except BaseException:
            if client is not None:
                client.close()
            raise
        from joblib import Parallel, delayed, effective_n_jobs, parallel_config
        from tqdm.auto import tqdm

        bar = tqdm(total=n_fits, desc="CORNN", unit="fit", disable=not progress, dynamic_ncols=True)
        sizes: dict[tuple[str, str, int], int] = {}

        def fail(dataset: str, estimator: str, seed: int, error: str, shown: str) -> None:
            # A fit without a row: listed for the caller, shown now on stderr (with the
            # command's other messages and the bar), counted by the bar.
            run.failures.append((dataset, estimator, seed, error))
            bar.write(f"FAILED {dataset} / {estimator} / seed {seed}: {shown}", file=sys.stderr)
            bar.update(1)

        def run_phase(tasks: list[_Task]) -> None:
            if not tasks:
                return
            backend = (
                {"backend": "dask", "client": client, "wait_for_workers_timeout": scheduler_timeout}
                if client is not None
                else {}
            )
            jobs = n_jobs if n_jobs is not None else (-1 if client is not None else 1)
            if client is None:
                # joblib would start every worker asked for, fits or not.
                jobs = min(effective_n_jobs(jobs), len(tasks))

            def results(parallel):
                # The fits as they come back. Only the dask backend's own failures are
                # caught here, not those of writing the rows (a full disk is no lost scheduler).
                try:
                    yield from parallel(delayed(_run_task)(t, data[t.dataset], quick) for t in tasks)
                except TimeoutError:
                    if client is None:
                        raise
                    raise BenchmarkError(
                        f"The dask scheduler at {scheduler!r} has no worker after "
                        f"{scheduler_timeout:g} s. Start workers with `dask worker {scheduler}` "
                        "(sklearn_swat must be importable on them), or wait longer for them with "
                        "--scheduler-timeout (scheduler_timeout)."
                    ) from None
                except TerminatedWorkerError as exc:
                    raise BenchmarkError(
                        f"A worker process died during a fit ({exc}); the system may have run out "
                        f"of memory (try fewer --n-jobs). The {run.n_existing + run.n_written} rows "
                        f"written are kept in {path}: run the same command again to resume."
                    ) from exc
                except Exception as exc:
                    if client is None:
                        raise
                    # joblib's dask backend fails in its own ways when the scheduler goes
                    # away mid-run (an AttributeError on a client with no scheduler info).
                    raise BenchmarkError(
                        f"The run on the dask scheduler at {scheduler!r} stopped ({type(exc).__name__}: "
                        f"{exc}); was the scheduler lost? The {run.n_existing + run.n_written} rows "
                        f"written are kept in {path}: run the same command again to resume."
                    ) from exc

            with parallel_config(**backend):
                # batch_size=1: each fit comes back, and is written, on its own.
                parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1)
                for task, rows, error in results(parallel):
                    for row in rows:
                        writer.write(row)
                        run.n_written += 1
                        sizes[(row["dataset"], row["estimator"], row["seed"])] = row["n_nonzero"]
                        bar.set_postfix_str(f"{row['dataset']} / {row['estimator']}", refresh=False)
                        bar.update(1)
                    if error is not None:
                        fail(task.dataset, task.estimator, task.seed, error, error.strip().splitlines()[-1])

        try:
            run_phase(first)
            second = []
            for d, e, s in later:
                ref = ESTIMATORS[e].reference
                if (d, ref, s) in sizes:
                    second.append(_Task(d, e, s, target_n_nonzero=sizes[(d, ref, s)]))
                else:
                    message = f"skipped: the {ref!r} fit it depends on failed"
                    fail(d, e, s, message, message)
            run_phase(second)
        finally:
            bar.close()
            writer.close()
            if client is not None:
                client.close()
        if run.failures:
            log(f"{len(run.failures)} fits failed; run again to retry them.")
        log(f"Wrote {run.n_written} rows to {path}.")
        return run
