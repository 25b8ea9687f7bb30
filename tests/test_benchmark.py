"""Tests of the CORNN benchmark: runner, resume, registry, report and bad input.

All runs use the hidden ``--quick`` settings (a few iterations per fit) on
generated data (no ``data_home``), one or two data sets and one torch thread.
"""

import csv
import json
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklearn_swat import DARTSADMMRegressor, SWATRegressor
from sklearn_swat.benchmark import (
    COLUMNS,
    ESTIMATORS,
    BenchmarkError,
    EstimatorSpec,
    PrunedMLPRegressor,
    append_results,
    estimator_names,
    fit_row,
    make_estimator,
    network_size,
    read_results,
    run_benchmark,
    summarize,
    write_report,
)
from sklearn_swat.benchmark.__main__ import main
from sklearn_swat.benchmark._registry import QUICK_ENV
from sklearn_swat.datasets import cornn_names, load_cornn

HEADER = ",".join(COLUMNS) + "\n"
# A row as a run writes it (an mlp fit of Booth).
_ROW = dict(dataset="Booth", estimator="mlp", test_mse=0.5, n_nonzero=85, n_active_neurons=[7, 7], depth=2,
            fit_seconds=1.0, seed=0)


@pytest.fixture(scope="module", autouse=True)
def _generated_data():
    """These runs fit generated data: a developer's SKLEARN_SWAT_CORNN_HOME is set aside."""
    from sklearn_swat.datasets._cornn import DATA_HOME_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(DATA_HOME_ENV, raising=False)
        yield


def _cornn(out, *args):
    return main(["cornn", "--out", str(out), "--quick", "--no-progress", *args])


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _first_fit_then(error):
    """A ``joblib.Parallel.__call__`` that gives back the first fit, then raises ``error``."""
    import joblib

    real_call = joblib.Parallel.__call__

    def call(self, iterable):
        results = real_call(self, iterable)

        def first_then_fail():
            yield next(iter(results))
            raise error

        return first_then_fail()

    return call


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run of swat, mlp and pruned-mlp on Booth, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("quick_run")
    assert _cornn(out, "--datasets", "Booth", "--estimators", "pruned-mlp", "mlp", "swat") == 0
    return out


def test_run_writes_one_row_per_fit(quick_run):
    """Each fit gives one row with the documented columns; pruned-mlp gets swat's size."""
    rows = _rows(quick_run / "results.csv")
    assert list(rows[0]) == list(COLUMNS)
    by_name = {r["estimator"]: r for r in rows}
    assert len(rows) == 3 and set(by_name) == {"swat", "mlp", "pruned-mlp"}
    # pruned-mlp runs after the swat fit it depends on.
    assert [r["estimator"] for r in rows].index("pruned-mlp") == 2
    for r in rows:
        assert r["dataset"] == "Booth" and r["seed"] == "0"
        assert float(r["test_mse"]) >= 0 and float(r["fit_seconds"]) > 0
        assert len(r["n_active_neurons"].split("-")) == int(r["depth"])
    assert by_name["mlp"]["n_nonzero"] == "85"
    assert by_name["mlp"]["n_active_neurons"] == "7-7"
    assert int(by_name["pruned-mlp"]["n_nonzero"]) <= int(by_name["swat"]["n_nonzero"])
    # The test MSE is the fitted estimator's on the test rows (the data the runner loads).
    X_train, X_test, y_train, y_test = load_cornn("Booth")
    with warnings.catch_warnings():  # the quick mlp stops at its few iterations, as in the run
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = make_estimator("mlp", 0, quick=True).fit(X_train, y_train)
    test_mse = float(np.mean((mlp.predict(X_test) - y_test) ** 2))
    assert by_name["mlp"]["test_mse"] == repr(test_mse)
    assert test_mse != float(np.mean((mlp.predict(X_train) - y_train) ** 2))


def test_resume_adds_nothing(quick_run, capsys):
    """A second identical run finds every row and leaves the file byte for byte."""
    before = (quick_run / "results.csv").read_bytes()
    assert _cornn(quick_run, "--datasets", "Booth", "--estimators", "swat", "mlp", "pruned-mlp") == 0
    assert (quick_run / "results.csv").read_bytes() == before
    assert "Nothing to do" in capsys.readouterr().err


def test_pruned_mlp_fits_its_missing_reference(quick_run, tmp_path):
    """Without a swat row, pruned-mlp fits swat first and writes both rows."""
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "pruned-mlp") == 0
    rows = _rows(tmp_path / "results.csv")
    assert [r["estimator"] for r in rows] == ["swat", "pruned-mlp"]
    reference = {r["estimator"]: r for r in _rows(quick_run / "results.csv")}
    # Same seed, same fit: the swat row and the pruned network's size are reproduced.
    for name in ("swat", "pruned-mlp"):
        got = next(r for r in rows if r["estimator"] == name)
        for key in ("test_mse", "n_nonzero", "n_active_neurons", "depth"):
            assert got[key] == reference[name][key]


def test_an_interrupt_keeps_the_reference_fit_it_needed(tmp_path, monkeypatch):
    """pruned-mlp alone fits swat first; an interrupt during the pruned-mlp fit keeps the swat
    row (both came back from one task, and the finished swat fit was lost with it)."""
    from sklearn_swat.benchmark import _runner

    fit_row = _runner._fit_row

    def interrupted(name, *args, **kwargs):
        if name == "pruned-mlp":
            raise KeyboardInterrupt
        return fit_row(name, *args, **kwargs)

    monkeypatch.setattr(_runner, "_fit_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(tmp_path, datasets=["Booth"], estimators=["pruned-mlp", "swat-untrained-sized"],
                      seeds=[0, 1], quick=True, progress=False)
    kept = [(r["estimator"], r["seed"]) for r in _rows(tmp_path / "results.csv")]
    assert kept[:2] == [("swat", "0"), ("swat", "1")] and ("pruned-mlp", "0") not in kept
    # One swat fit per seed serves both estimators that are sized by it.
    first, later = _runner._plan(["Booth"], ["pruned-mlp", "swat-untrained-sized"], [0, 1], [])
    assert [(t.estimator, t.seed) for t in first] == [("swat", 0), ("swat", 1)]
    assert later == [("Booth", "pruned-mlp", 0), ("Booth", "swat-untrained-sized", 0),
                     ("Booth", "pruned-mlp", 1), ("Booth", "swat-untrained-sized", 1)]
    # A reference has no reference of its own: one phase fits them all.
    assert all(ESTIMATORS[spec.reference].reference is None for spec in ESTIMATORS.values() if spec.reference)


def test_an_interrupt_mlpregressor_caught_stops_the_run_and_writes_no_row(tmp_path, monkeypatch):
    """sklearn's MLPRegressor catches Ctrl-C itself and returns half trained with a warning: a
    review found the runner writing that fit as a finished row (which a resumed run never fits
    again) and going on. It is an interruption: no row, the run stops. Other warnings are not."""
    import warnings

    from sklearn.neural_network import MLPRegressor

    from sklearn_swat.benchmark import _runner

    fit_row = _runner._fit_row
    with monkeypatch.context() as patch:
        # Ctrl-C inside the training loop, where MLPRegressor catches it.
        patch.setattr(MLPRegressor, "_backprop", _raise(KeyboardInterrupt()))
        with pytest.warns(UserWarning, match="Training interrupted"):
            MLPRegressor(max_iter=5).fit([[0.0], [1.0]], [0.0, 1.0])  # what the runner is given
        with pytest.raises(KeyboardInterrupt):
            run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], quick=True, progress=False)
    assert _rows(tmp_path / "results.csv") == []

    def other_warning(name, *args, **kwargs):
        warnings.warn("Training went well.", UserWarning, stacklevel=2)
        return fit_row(name, *args, **kwargs)

    monkeypatch.setattr(_runner, "_fit_row", other_warning)
    with pytest.warns(UserWarning, match="went well"):
        run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], quick=True, progress=False)
    assert [r["estimator"] for r in _rows(tmp_path / "results.csv")] == ["mlp"]


def _raise(error):
    """A stand-in for any function or method: it raises ``error``."""
    def raising(*args, **kwargs):
        raise error

    return raising


def test_a_worker_that_dies_is_a_clear_error_and_the_rows_are_kept(tmp_path, monkeypatch, capsys):
    """A worker killed mid-run (by the system, for memory) gave a raw traceback and exit 1,
    which reads as "some fits failed"; it is a clear error now, with the rows kept."""
    import joblib
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    killed = TerminatedWorkerError("A worker process was unexpectedly terminated.")
    monkeypatch.setattr(joblib.Parallel, "__call__", _first_fit_then(killed))
    assert _cornn(tmp_path, "--datasets", "Booth", "Sphere", "--estimators", "mlp") == 2
    err = capsys.readouterr().err
    assert "A worker process died" in err and "1 rows written are kept" in err
    assert "run the same command again" in err and "Traceback" not in err
    assert len(_rows(tmp_path / "results.csv")) == 1


def test_killed_run_keeps_its_rows(tmp_path):
    """A partial file from a killed run keeps its rows verbatim; only the missing fits run."""
    kept = (
        HEADER
        + "Booth,mlp,0.5,85,7-7,2,1.000,0\n"
        + "Himmelblau,mlp,0.25,85,7-7,2,2.000,0\n"
        + "Sphere,swat,0.125,9,3,1,3.000,0\n"
    )
    (tmp_path / "results.csv").write_text(kept)
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "0", "1") == 0
    text = (tmp_path / "results.csv").read_text()
    assert text.startswith(kept)
    rows = read_results(tmp_path / "results.csv")
    assert len(rows) == 4
    assert rows[0]["test_mse"] == 0.5  # not refitted
    assert (rows[-1]["dataset"], rows[-1]["estimator"], rows[-1]["seed"]) == ("Booth", "mlp", 1)


def test_a_last_row_without_line_end_is_refused_not_taken_as_done(tmp_path, capsys):
    # Seed 12's row cut off after "1" reads as a row of seed 1: taking it as done would
    # skip seed 1's fit and file seed 12's score under it. The run refuses, file unchanged.
    torn = HEADER + "Booth,mlp,0.0126,85,7-7,2,0.079,0\nBooth,mlp,0.0674,85,7-7,2,0.074,1"
    path = tmp_path / "results.csv"
    path.write_text(torn)
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "1", "12") == 2
    err = capsys.readouterr().err
    assert "line 3: the last row has no line end" in err and "remove it" in err
    assert path.read_text() == torn
    with pytest.raises(BenchmarkError, match="no line end"):
        read_results(path)
    # Ended by hand, the row counts and the run goes on after it.
    path.write_text(torn + "\n")
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "1", "12") == 0
    assert [r["seed"] for r in read_results(path)] == [0, 1, 12]
    # A header alone without its line end holds no row to doubt: the rows go below it.
    path.write_text(HEADER.rstrip("\n"))
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 0
    assert [r["seed"] for r in read_results(path)] == [0]


def test_append_results_writes_the_header_once_and_refuses_a_torn_file(tmp_path):
    row = _ROW
    path = tmp_path / "results.csv"
    append_results(path, [row])
    append_results(path, [{**row, "seed": 1}, {**row, "seed": 2}])
    assert path.read_text().count(HEADER) == 1
    assert [r["seed"] for r in read_results(path)] == [0, 1, 2]
    # A last row without its line end may be cut off: refused, the file left as it was.
    before = path.read_text().rstrip("\n")
    path.write_text(before)
    with pytest.raises(BenchmarkError, match="no line end"):
        append_results(path, [{**row, "seed": 3}])
    assert path.read_text() == before
    # A bad row among good ones is refused before anything is written: it names what is wrong.
    path.write_text(before + "\n")
    lacking = {k: v for k, v in row.items() if k != "depth"}
    for bad, message in [(lacking, r"lacks \['depth'\]"), ({**row, "test_mse": float("nan")}, "test_mse"),
                         # What read_results refuses is not written: it would lock the folder.
                         ({**row, "seed": -1}, "would not read back.*seed '-1' is negative"),
                         ({**row, "n_nonzero": 0}, "would not read back.*below 1"),
                         ({**row, "depth": 3}, "would not read back.*depth is 3")]:
        with pytest.raises(ValueError, match=message):
            append_results(path, [{**row, "seed": 4}, bad])
        assert path.read_text() == before + "\n"


class _Broken:
    def fit(self, X, y):
        raise ValueError("boom")


def test_failed_fit_is_reported_and_not_written(tmp_path, monkeypatch, capsys):
    """A fit that raises writes no row (a new run retries it); the others go on."""
    monkeypatch.setitem(ESTIMATORS, "swat", EstimatorSpec("swat", "broken", lambda *args: _Broken()))
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "swat", "mlp", "pruned-mlp") == 1
    assert [r["estimator"] for r in _rows(tmp_path / "results.csv")] == ["mlp"]
    out, err = capsys.readouterr()
    assert "ValueError: boom" in err
    assert "Failed: Booth / pruned-mlp / seed 0" in err and "depends on failed" in err
    # Each failure is also shown as it happens, on stderr with the other messages.
    assert "FAILED Booth / pruned-mlp / seed 0: skipped: the 'swat' fit it depends on failed" in err
    assert out == ""


def _one_worker_cluster(distributed, **kwargs):
    """A dask cluster in this process: one worker of one thread, no dashboard."""
    return distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None, **kwargs
    )


def test_dask_local_cluster(quick_run, tmp_path, monkeypatch):
    """--scheduler runs the fits on a dask cluster through joblib, with the same results."""
    distributed = pytest.importorskip("distributed")
    # The environment variable turns the quick settings on as --quick does.
    monkeypatch.setenv(QUICK_ENV, "1")
    with _one_worker_cluster(distributed) as cluster:
        status = main([
            "cornn", "--out", str(tmp_path), "--datasets", "Booth", "--estimators", "mlp",
            "darts-admm", "--no-progress", "--scheduler", cluster.scheduler_address,
        ])
    assert status == 0
    rows = {r["estimator"]: r for r in _rows(tmp_path / "results.csv")}
    assert set(rows) == {"mlp", "darts-admm"}
    local = {r["estimator"]: r for r in _rows(quick_run / "results.csv")}
    assert rows["mlp"]["test_mse"] == local["mlp"]["test_mse"]


def test_a_scheduler_lost_mid_run_is_a_clear_error(tmp_path, monkeypatch):
    """joblib's dask backend fails with an AttributeError when the scheduler goes away mid-run
    (a review's run: a raw traceback and exit 1, which reads as "some fits failed"); the error
    names the scheduler and the rows kept."""
    distributed = pytest.importorskip("distributed")
    import errno

    import joblib

    from sklearn_swat.benchmark import _runner

    def full(self, row):  # the header is written, the first row is not
        raise OSError(errno.ENOSPC, "No space left on device")

    call = _first_fit_then(AttributeError("'NoneType' object has no attribute 'ncores'"))

    with _one_worker_cluster(distributed) as cluster:
        # A failure to write the rows is not the scheduler's: it is raised as it is.
        with monkeypatch.context() as patch:
            patch.setattr(_runner._ResultsWriter, "write", full)
            with pytest.raises(OSError, match="No space left"):
                run_benchmark(tmp_path / "full", datasets=["Booth"], estimators=["mlp"], quick=True,
                              progress=False, scheduler=cluster.scheduler_address)
        monkeypatch.setattr(joblib.Parallel, "__call__", call)
        message = (rf"dask scheduler at '{cluster.scheduler_address}' stopped \(AttributeError: .*ncores.*"
                   r"1 rows written are kept .*run the same command again")
        with pytest.raises(BenchmarkError, match=message):
            run_benchmark(tmp_path, datasets=["Booth", "Sphere"], estimators=["mlp"], quick=True,
                          progress=False, scheduler=cluster.scheduler_address)
    assert len(_rows(tmp_path / "results.csv")) == 1


def test_unreachable_scheduler(tmp_path):
    """An address where no scheduler listens fails with a clear error within the timeout."""
    pytest.importorskip("distributed")
    start = time.perf_counter()
    match = r"Could not reach the dask scheduler at 'tcp://127.0.0.1:1'"
    with pytest.raises(BenchmarkError, match=match) as error:
        run_benchmark(
            tmp_path, datasets=["Booth"], estimators=["mlp"], scheduler="tcp://127.0.0.1:1",
            scheduler_timeout=2, quick=True, progress=False,
        )
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "results.csv").exists()
    # One timeout in the message, the user's: not also the probe's shorter one (1.6 s).
    assert re.findall(r"\d+(?:\.\d+)? s\b", str(error.value)) == ["2 s"], str(error.value)


def test_a_server_that_never_answers_as_dask_is_refused_within_the_timeout(tmp_path):
    """A port that accepts the connection and says nothing (the dashboard's, a web server):
    dask's Client waited there for ever; the run now stops within the timeout and says why."""
    pytest.importorskip("distributed")
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    errors = []

    def run():
        try:
            run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], scheduler=address,
                          scheduler_timeout=2, quick=True, progress=False)
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    # In a thread of its own: a run that waits for ever fails the test instead of hanging it.
    worker = threading.Thread(target=run, daemon=True)
    try:
        worker.start()
        worker.join(timeout=30)
    finally:
        server.close()
    assert not worker.is_alive(), "the run still waits on a server that never answers"
    assert len(errors) == 1 and isinstance(errors[0], BenchmarkError), errors
    assert "did not answer as a dask server: the dashboard's port" in str(errors[0])
    assert accepted and not (tmp_path / "results.csv").exists()


def test_a_tls_scheduler_is_reached_with_dasks_own_settings(tmp_path):
    """The address check connects as dask's Client does, with the TLS settings of dask's
    config: without them it refused a TLS scheduler that the Client reached."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("cryptography")  # Security.temporary() makes the certificates with it
    import dask

    security = distributed.Security.temporary()
    tls = {"distributed.comm.tls.ca-file": security.tls_ca_file,
           "distributed.comm.tls.client.cert": security.tls_client_cert,
           "distributed.comm.tls.client.key": security.tls_client_key}
    with _one_worker_cluster(distributed, protocol="tls://", security=security) as cluster, \
            dask.config.set(tls):
        assert cluster.scheduler_address.startswith("tls://")
        run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"],
                            scheduler=cluster.scheduler_address, quick=True, progress=False)
    assert run.n_written == 1 and len(_rows(tmp_path / "results.csv")) == 1


def test_a_worker_address_is_not_taken_for_the_scheduler(tmp_path):
    distributed = pytest.importorskip("distributed")
    with _one_worker_cluster(distributed) as cluster:
        worker = next(iter(cluster.scheduler_info["workers"]))
        with pytest.raises(BenchmarkError, match="a dask Worker answered there, not the scheduler"):
            run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], scheduler=worker,
                          scheduler_timeout=5, quick=True, progress=False)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--datasets", "Boothh"], ["unknown data set 'Boothh'", "did you mean 'Booth'", "'Zakharov'"]),
        (["--datasets", "ackley"], ["did you mean 'Ackley'"]),
        (["--estimators", "swatt"], ["unknown estimator 'swatt'", "did you mean 'swat'", "'pruned-mlp'"]),
        (["--estimators", "mlp,swat"], ["unknown estimator 'mlp,swat'", "with spaces, not commas"]),
    ],
)
def test_unknown_names(tmp_path, capsys, args, expected):
    """Unknown names are refused before any fit, listing the valid names and close matches."""
    assert _cornn(tmp_path / "out", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    for text in expected:
        assert text in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(datasets="Booth"), "got the string 'Booth'. Pass ['Booth']"),
        (dict(estimators="mlp"), "got the string 'mlp'. Pass ['mlp']"),
        (dict(datasets=[]), "No data set name given"),
        (dict(estimators=[]), "No estimator name given"),
        (dict(estimators=[3]), "unknown estimator 3"),
        (dict(seeds=[0.7]), "seeds must be a list of integers"),
        (dict(seeds=[]), "seeds must be a list of integers"),
        (dict(seeds=[True]), "seeds must be a list of integers"),
        (dict(n_jobs=1.5), "n_jobs must be a positive number of fits"),
    ],
)
def test_run_benchmark_refuses_loose_arguments(tmp_path, kwargs, message):
    """The Python API refuses what the command line's parser would: nothing runs, no folder is made."""
    args = dict(datasets=["Booth"], estimators=["mlp"], quick=True, progress=False)
    with pytest.raises(BenchmarkError) as info:
        run_benchmark(tmp_path / "out", **{**args, **kwargs})
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_data_home_without_files(tmp_path, capsys):
    """A data_home lacking the published files stops the run before any fit."""
    status = _cornn(tmp_path / "out", "--datasets", "Booth", "--data-home", str(tmp_path))
    assert status == 2
    assert "'Booth_train_set.csv' not found" in capsys.readouterr().err
    assert not (tmp_path / "out" / "results.csv").exists()


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("dataset,estimator,mse\n", 1, "header"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,0\nBooth,swat,oops,5,1,1,1.0,0\n", 3, "test_mse 'oops'"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2\n", 2, "6 fields"),
        (HEADER + "Booth,mlp,0.1,85,7/7,2,1.0,0\n", 2, "n_active_neurons"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,0\nBooth,swat,0.0", 3, "interrupted write"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,0\nBooth,\udcff", 3, "not UTF-8"),
        # Non-finite or negative numbers would turn every median of the report into nan.
        (HEADER + "Booth,mlp,nan,85,7-7,2,1.0,0\n", 2, "test_mse 'nan' is not a finite number"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,0\nBooth,swat,inf,5,1,1,1.0,0\n", 3, "delete that line"),
        (HEADER + "Booth,mlp,-0.1,85,7-7,2,1.0,0\n", 2, "test_mse '-0.1' is not a finite number >= 0"),
        (HEADER + "Booth,mlp,0.1,85,7-7,2,nan,0\n", 2, "fit_seconds 'nan'"),
        # No run fits such a seed (the command refuses it): a damaged line.
        (HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,99999999999\n", 2, "not below 2**31"),
        (HEADER + "Booth,mlp,0.1,85,7-7,3,1.0,0\n", 2, "counts 2 hidden layer(s) but depth is 3"),
    ],
)
def test_corrupt_results_file(tmp_path, capsys, text, line, message):
    """A corrupt results.csv is named with the bad line, and left exactly as it was."""
    path = tmp_path / "results.csv"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(BenchmarkError, match=f"line {line}:") as info:
        read_results(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 2
    assert f"line {line}:" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert path.read_bytes() == text.encode("utf-8", "surrogateescape")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_registry():
    """The registry builds the documented settings; sizes follow the counting rules."""
    assert estimator_names() == [
        "swat", "swat-paper", "swat-tanh", "swat-untrained", "swat-sized", "swat-untrained-sized",
        "swat-descent", "swat-descent-untrained", "darts-admm", "darts-admm-depths", "mlp", "pruned-mlp",
    ]
    assert make_estimator("swat-tanh").activations == "tanh"
    sized = make_estimator("swat-sized", seed=2, target_n_nonzero=9)
    assert (sized.max_nonzero, sized.autoencoder, sized.random_state) == (9, "auto", 2)
    sized = make_estimator("swat-untrained-sized", seed=2, target_n_nonzero=9)
    assert (sized.max_nonzero, sized.autoencoder, sized.random_state) == (9, "untrained:auto", 2)
    paper = make_estimator("swat-paper", seed=4)
    assert isinstance(paper, SWATRegressor)
    p = paper
    settings = (p.init, p.refine_iter, p.polish_iter, p.prune, p.selection, p.random_state)
    assert settings == ("random", 0, 0, False, "train", 4)
    assert make_estimator("swat").get_params() == SWATRegressor(random_state=0, n_jobs=1).get_params()
    assert make_estimator("swat-untrained").autoencoder == "untrained:auto"
    for name, autoencoder in [("swat-descent", "auto"), ("swat-descent-untrained", "untrained:auto")]:
        d = make_estimator(name, seed=3)
        assert (d.polish_iter, d.prune, d.autoencoder, d.random_state) == (0, False, autoencoder, 3)
        assert d.get_params() == SWATRegressor(random_state=3, n_jobs=1, polish_iter=0, prune=False,
                                               autoencoder=autoencoder).get_params()
    assert isinstance(make_estimator("darts-admm"), DARTSADMMRegressor)
    depths = make_estimator("darts-admm-depths", seed=5)
    settings = (tuple(depths.depths), depths.width, depths.random_state, depths.darts_params)
    assert settings == ((1, 2, 3, 4), 7, 5, None)
    mlp = make_estimator("mlp", seed=2)[-1]
    assert (mlp.hidden_layer_sizes, mlp.max_iter, mlp.random_state) == ((7, 7), 2000, 2)
    assert make_estimator("mlp", quick=True)[-1].max_iter == 20
    assert make_estimator("pruned-mlp", target_n_nonzero=17)[-1].n_nonzero == 17
    with pytest.raises(BenchmarkError, match="did you mean 'mlp'"):
        make_estimator("MLP")

    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (40, 2)), rng.uniform(-1, 1, 40)
    reg = MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2).fit(X, y)
    assert network_size(reg) == (85, [7, 7], 2)
    reg.coefs_[2][:, 0] = [0, 0, 0, 0, 0, 0, 1.0]  # only neuron 7 of layer 2 reaches the output
    assert network_size(reg) == (79, [7, 1], 2)


@pytest.mark.parametrize("name", ["mlp", "pruned-mlp"])
def test_plain_mlp_baselines_do_not_depend_on_the_inputs_units(name):
    """SWAT and DARTS+ADMM scale their inputs inside; the plain MLPs get the same [-1, 1]
    scaling first, so inputs in other units (the general benchmark's domains) fit as well."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.tanh(2 * X[:, 0]) * X[:, 1]
    raw = X * [300.0, 5.0] + [1000.0, -2.0]  # a range as Friedman #2's
    params = dict(seed=0, target_n_nonzero=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        scaled = make_estimator(name, **params).fit(X, y)
        unscaled = make_estimator(name, **params).fit(raw, y)
    assert network_size(unscaled) == network_size(scaled)
    assert network_size(unscaled)[0] == (85 if name == "mlp" else 15)
    mse = lambda reg, inputs: np.mean((reg.predict(inputs) - y) ** 2)  # noqa: E731
    assert mse(unscaled, raw) == pytest.approx(mse(scaled, X), rel=0.05)
    assert mse(unscaled, raw) < 0.3 * np.var(y)


def test_pruned_mlp_regressor():
    """Magnitude pruning keeps exactly n_nonzero parameters, and retraining keeps the zeros."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = np.tanh(2 * X[:, 0]) + 0.5 * X[:, 1]
    dense = PrunedMLPRegressor(max_iter=3, random_state=0).fit(X, y)
    assert dense.n_nonzero_ == 85 and dense.n_active_neurons_ == [7, 7] and dense.depth_ == 2
    reg = PrunedMLPRegressor(n_nonzero=20, max_iter=3, retrain_iter=3, random_state=0).fit(X, y)
    assert reg.n_nonzero_ == 20
    assert reg.predict(X).shape == (200,)
    assert len(reg.loss_curve_) == 6
    again = PrunedMLPRegressor(n_nonzero=20, max_iter=3, retrain_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), again.predict(X))
    assert reg.n_iter_ == 6
    # Numbers given as strings are numbers, as for the other estimators.
    as_text = PrunedMLPRegressor(n_nonzero=20, max_iter=3, retrain_iter=3, random_state=0)
    as_text.fit(X, y.astype(str))
    np.testing.assert_array_equal(as_text.predict(X), reg.predict(X))
    # Read-only arrays (as pandas may give) are copied, without torch's warning.
    X_ro, y_ro = X.copy(), y.copy()
    X_ro.setflags(write=False)
    y_ro.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_only = PrunedMLPRegressor(n_nonzero=20, max_iter=3, retrain_iter=3, random_state=0)
        read_only.fit(X_ro, y_ro)
    np.testing.assert_array_equal(read_only.predict(X), reg.predict(X))


def test_pruned_mlp_fits_in_threads_match_serial_fits():
    """Fits at once in threads each draw their initial weights from their own seed."""
    from concurrent.futures import ThreadPoolExecutor

    import torch

    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = np.tanh(2 * X[:, 0]) + 0.5 * X[:, 1]

    def fit(seed):
        reg = PrunedMLPRegressor(n_nonzero=20, max_iter=20, retrain_iter=10, random_state=seed)
        return reg.fit(X, y).predict(X)

    seeds = [1, 2, 3, 4]
    torch.manual_seed(5)
    before = torch.get_rng_state()
    serial = [fit(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(fit, seeds))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), before)


def test_pruning_counts_only_parameters_that_reach_the_output():
    """Large first-layer weights and tiny output weights: plain magnitude pruning would keep
    the first and cut every output weight, a constant network counted at full size."""
    import torch
    from torch import nn

    from sklearn_swat.benchmark._pruned_mlp import _prune_to

    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    with torch.no_grad():
        module[0].weight.copy_(torch.tensor([[5.0, 4.0], [3.0, -6.0], [2.0, 7.0]]))
        module[0].bias.copy_(torch.tensor([1.0, -2.0, 3.0]))
        module[2].weight.copy_(torch.tensor([[0.01, -0.02, 0.03]]))
        module[2].bias.fill_(0.001)
    _prune_to(module, 6)
    w1, b1, w2, b2 = (p.detach() for p in module.parameters())
    n_live = sum(int(torch.count_nonzero(p)) for p in (w1, b1, w2, b2))
    # The output bias is always kept; two neurons with four parameters each do not fit in
    # the 5 left, one neuron's 4 do: the count ends below the target.
    assert n_live == 5 and b2.item() == pytest.approx(0.001)
    # Every neuron kept has an output weight, every output weight a neuron with an input.
    kept = w2[0] != 0
    assert kept.any()
    assert torch.all((w1[~kept] == 0) & (b1[~kept] == 0))
    assert torch.all(w1[kept].ne(0).any(dim=1))
    # The network still depends on its inputs.
    X = torch.tensor([[0.5, -0.5], [-0.5, 0.5]])
    out = module(X)
    assert not torch.equal(out[0], out[1])
    # At one parameter the network is the constant one: the output bias alone.
    _prune_to(module, 1)
    assert [int(torch.count_nonzero(p)) for p in module.parameters()] == [0, 0, 0, 1]


def test_pruned_mlp_keeps_a_connected_network_at_swat_sizes():
    """On Rastrigin at 13 parameters (swat's size there) one-shot magnitude pruning left a
    constant network counted at 13; the pruned network's output must depend on its inputs."""
    X, _, y, _ = load_cornn("Rastrigin")
    reg = PrunedMLPRegressor(n_nonzero=13, max_iter=50, retrain_iter=50, random_state=0)
    reg.fit(X[:1000], y[:1000])
    assert reg.n_nonzero_ <= 13
    assert min(reg.n_active_neurons_) >= 1
    assert np.ptp(reg.predict(X[:200])) > 0.1


@pytest.mark.parametrize("solver", ["lbfgs", "lm"])
def test_pruned_mlp_polish_finishes_the_weights_and_keeps_the_pruned_zeros(solver):
    """The polish (as SWAT's and DARTS+ADMM's, L-BFGS or Levenberg-Marquardt) lowers the
    training error of the Adam-retrained network without reviving a pruned weight or bias:
    the size stays."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.tanh(2 * X[:, 0]) * X[:, 1] + 0.5 * X[:, 1]
    params = dict(n_nonzero=15, max_iter=20, retrain_iter=20, random_state=0)
    adam = PrunedMLPRegressor(polish_iter=0, **params).fit(X, y)
    polished = PrunedMLPRegressor(polish_solver=solver, polish_iter=1000 if solver == "lbfgs" else 100,
                                  **params).fit(X, y)
    assert PrunedMLPRegressor().polish_iter == 1000
    assert polished.n_nonzero_ == adam.n_nonzero_ <= 15
    for a, b in zip(adam.coefs_ + adam.intercepts_, polished.coefs_ + polished.intercepts_):
        np.testing.assert_array_equal(a == 0, b == 0)
    # Some biases were pruned: the polish had zero biases to keep.
    assert any((b == 0).any() for b in adam.intercepts_)
    mse = lambda reg: np.mean((reg.predict(X) - y) ** 2)  # noqa: E731
    assert mse(polished) < 0.5 * mse(adam)
    assert adam.loss_curve_ == polished.loss_curve_


def test_pruned_mlp_polish_refuses_more_layers_than_it_handles():
    X = np.random.RandomState(0).uniform(-1, 1, (20, 2))
    deep = dict(hidden_layer_sizes=(3,) * 5, max_iter=1, retrain_iter=1)
    with pytest.raises(ValueError, match="at most 4 hidden layers.*polish_iter=0"):
        PrunedMLPRegressor(**deep).fit(X, X[:, 0])
    assert PrunedMLPRegressor(polish_iter=0, **deep).fit(X, X[:, 0]).depth_ == 5


def test_pruned_mlp_takes_hidden_layer_sizes_as_mlpregressor_does():
    """An int is one hidden layer and an array works as a tuple: the same networks, bit for bit."""
    X = np.random.RandomState(0).uniform(-1, 1, (40, 2))
    y = np.tanh(2 * X[:, 0]) + X[:, 1]
    cheap = dict(max_iter=2, retrain_iter=2, polish_iter=5, random_state=0)
    for given, same in [(5, (5,)), (np.array([4, 3]), (4, 3)), ([4, 3], (4, 3))]:
        a = PrunedMLPRegressor(hidden_layer_sizes=given, n_nonzero=12, **cheap).fit(X, y)
        b = PrunedMLPRegressor(hidden_layer_sizes=same, n_nonzero=12, **cheap).fit(X, y)
        assert [w.shape for w in a.coefs_] == [w.shape for w in b.coefs_]
        np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("params, match", [
    ({"hidden_layer_sizes": ()}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (2.5,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": ("3",)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (True,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": True}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": np.array([[3, 2]])}, "hidden_layer_sizes"),
    ({"n_nonzero": True}, "n_nonzero"),
])
def test_pruned_mlp_refuses_what_is_not_a_network(params, match):
    X = np.random.RandomState(0).uniform(-1, 1, (20, 2))
    with pytest.raises(ValueError, match=match):
        PrunedMLPRegressor(max_iter=1, **params).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="y must hold numbers"):
        PrunedMLPRegressor(max_iter=1).fit(X, np.array(["a"] * 20))


def test_pruned_mlp_failed_refit_keeps_the_fitted_model(monkeypatch):
    """A refit that fails (bad parameters, bad data, Ctrl-C) leaves the model it had:
    before, validate_data had already set the new feature names and count, so the old
    model could predict on nothing."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (40, 2)), columns=["a", "b"])
    y = X["a"] * X["b"]
    reg = PrunedMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, retrain_iter=2, polish_iter=5,
                             random_state=0).fit(X, y)
    before = reg.predict(X)
    X3 = pd.DataFrame(rng.uniform(-1, 1, (40, 3)), columns=["c", "d", "e"])
    with pytest.raises(ValueError, match="at most 4 hidden layers"):
        reg.set_params(hidden_layer_sizes=(3,) * 5).fit(X3, y)
    reg.set_params(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(X3, np.r_[np.nan, y[1:]])

    monkeypatch.setattr(PrunedMLPRegressor, "_train", _raise(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        reg.fit(X3, y)
    assert reg.n_features_in_ == 2 and list(reg.feature_names_in_) == ["a", "b"]
    np.testing.assert_array_equal(reg.predict(X), before)


# A PrunedMLPRegressor fit of a few steps, no polish: the tests' cheap settings.
_CHEAP_PRUNED = dict(max_iter=2, retrain_iter=2, polish_iter=0, random_state=0)


def test_pruned_mlp_input_errors_say_what_to_do():
    """Values float32 cannot hold, NaN past a finiteness check switched off, and text
    columns get messages that name the problem, not "lower learning_rate" or numpy's."""
    from sklearn import config_context

    pd = pytest.importorskip("pandas")
    X = np.random.RandomState(0).uniform(-1, 1, (30, 2))
    y = X[:, 0] * X[:, 1]
    cheap = _CHEAP_PRUNED
    with pytest.raises(ValueError, match="y holds values beyond float32's range.*TransformedTargetRegressor"):
        PrunedMLPRegressor(**cheap).fit(X, y * 1e39)
    with pytest.raises(ValueError, match="X holds values beyond float32's range.*MinMaxScaler"):
        PrunedMLPRegressor(**cheap).fit(X * 1e39, y)
    bad = X.copy()
    bad[3, 1] = np.nan
    reg = PrunedMLPRegressor(**cheap).fit(X, y)
    with config_context(assume_finite=True):
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            PrunedMLPRegressor(**cheap).fit(bad, y)
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            reg.predict(bad)
    frame = pd.DataFrame({"x": X[:, 0], "city": ["Oslo"] * 30})
    with pytest.raises(ValueError, match=r"non-numeric columns \['city'\].*OneHotEncoder"):
        PrunedMLPRegressor(**cheap).fit(frame, y)


def _row(dataset, estimator, seed, mse, nnz, seconds):
    return f"{dataset},{estimator},{mse},{nnz},7,1,{seconds},{seed}\n"


# Two data sets and two seeds, made so that every summary figure is known by hand.
HAND_MADE = HEADER + "".join([
    _row("Booth", "swat", 0, 0.010, 20, 10), _row("Booth", "swat", 1, 0.020, 25, 20),
    _row("Himmelblau", "swat", 0, 0.050, 30, 30), _row("Himmelblau", "swat", 1, 0.001, 10, 40),
    # darts-admm: win (smaller, MSE within 1.1x), loss (MSE 2x), win (same size); one pair missing.
    _row("Booth", "darts-admm", 0, 0.0095, 40, 5), _row("Booth", "darts-admm", 1, 0.010, 30, 7),
    _row("Himmelblau", "darts-admm", 0, 0.060, 30, 9),
    # swat-untrained: loss (swat larger), then three wins.
    _row("Booth", "swat-untrained", 0, 0.2, 15, 1), _row("Booth", "swat-untrained", 1, 0.2, 30, 1),
    _row("Himmelblau", "swat-untrained", 0, 0.5, 40, 1), _row("Himmelblau", "swat-untrained", 1, 0.5, 12, 1),
    # pruned-mlp (same sizes): win at the 1.1x edge, win, loss, win (equal MSE).
    _row("Booth", "pruned-mlp", 0, 0.0091, 20, 2), _row("Booth", "pruned-mlp", 1, 0.1, 25, 2),
    _row("Himmelblau", "pruned-mlp", 0, 0.02, 30, 2), _row("Himmelblau", "pruned-mlp", 1, 0.001, 10, 2),
    # mlp: MSE ratios 2, 0.5, 1, 0.25 (median 0.75); size ratios 20, 25, 30, 10 over 85.
    _row("Booth", "mlp", 0, 0.005, 85, 1), _row("Booth", "mlp", 1, 0.04, 85, 2),
    _row("Himmelblau", "mlp", 0, 0.05, 85, 3), _row("Himmelblau", "mlp", 1, 0.004, 85, 4),
    # A duplicate of the first row: the first is kept.
    _row("Booth", "swat", 0, 9.0, 99, 99),
])


def test_summary_from_hand_made_results(tmp_path):
    """Win rates, ratios and times are computed per (data set, seed) pair."""
    (tmp_path / "results.csv").write_text(HAND_MADE)
    s = summarize(read_results(tmp_path / "results.csv"))
    assert s.datasets == ["Booth", "Himmelblau"] and s.seeds == [0, 1]
    assert s.estimators == ["swat", "swat-untrained", "darts-admm", "mlp", "pruned-mlp"]
    assert {k: (w.wins, w.n_pairs) for k, w in s.win_rates.items()} == {
        "darts-admm": (2, 3), "swat-untrained": (3, 4), "pruned-mlp": (3, 4),
    }
    assert s.mlp_ratios["n_pairs"] == 4
    assert s.mlp_ratios["median_mse_ratio"] == pytest.approx(0.75)
    assert s.mlp_ratios["median_nonzero_ratio"] == pytest.approx(22.5 / 85)
    # The win rule's halves apart: swat is more accurate on all 4 untrained pairs, no larger on 3.
    u = s.ratios["swat-untrained"]
    assert (u["n_pairs"], u["more_accurate"], u["no_larger"], u["rival_constant"]) == (4, 4, 3, 0)
    # The rule reversed: the untrained search is never both no larger and within 1.1x of swat;
    # pruned-mlp (same sizes) is within 1.1x of swat's MSE on 3 pairs.
    assert u["rival_wins"] == 0 and s.ratios["pruned-mlp"]["rival_wins"] == 3
    assert u["median_mse_ratio"] == pytest.approx(0.075)
    assert u["median_nonzero_ratio"] == pytest.approx(5 / 6)
    assert set(s.ratios) == {"swat-untrained", "darts-admm", "mlp", "pruned-mlp"}
    assert s.median_fit_seconds["swat"] == 25 and s.median_fit_seconds["darts-admm"] == 7
    assert s.n_fits["swat"] == 4 and s.n_duplicates == 1
    # Each estimator against itself with the other seed: swat's seed 0 wins on Booth (smaller,
    # more accurate), seed 1 on Himmelblau; darts-admm has both seeds on Booth only, where
    # seed 1 is smaller and within 1.1x. mlp has no win rate, so no baseline either.
    assert {k: (w.wins, w.n_pairs) for k, w in s.seed_baseline.items()} == {
        "swat": (2, 4), "darts-admm": (1, 2), "swat-untrained": (2, 4), "pruned-mlp": (2, 4),
    }
    one_seed = summarize([r for r in read_results(tmp_path / "results.csv") if r["seed"] == 0])
    assert one_seed.seed_baseline == {}


def _summary_row(dataset, estimator, seed, mse, nnz, seconds=1.0):
    """A row with the columns summarize reads."""
    return dict(dataset=dataset, estimator=estimator, seed=seed, test_mse=mse, n_nonzero=nnz,
                fit_seconds=seconds)


def _win_loss_rows(n_datasets, n_seeds):
    """swat against darts-admm: every seed wins on the first half of the data sets, loses on the rest."""
    rows = []
    for i, name in enumerate(cornn_names()[:n_datasets]):
        for seed in range(n_seeds):
            rows.append(_summary_row(name, "swat", seed, 0.01, 10 if i < n_datasets // 2 else 50))
            rows.append(_summary_row(name, "darts-admm", seed, 0.01, 30))
    return rows


def _full(rows):
    """Rows with the columns append_results needs besides."""
    return [dict(r, n_active_neurons=[3], depth=1) for r in rows]


def test_report_says_how_many_data_sets_each_interval_draws(tmp_path):
    """Each interval resamples the data sets its comparison covers, and the report says which."""
    rows = _win_loss_rows(10, 1)
    rows += [dict(r, estimator="swat-untrained", test_mse=0.02) for r in rows
             if r["estimator"] == "swat" and r["dataset"] in cornn_names()[2:6]]
    s = summarize(rows)
    assert (s.win_rates["darts-admm"].n_datasets, s.win_rates["swat-untrained"].n_datasets) == (10, 4)
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    assert "9999 draws of the 4 to 10 data sets each comparison covers with replacement" in text
    # Every comparison on every data set: the one count.
    (tmp_path / "results.csv").unlink()
    append_results(tmp_path / "results.csv", _full(_win_loss_rows(10, 1)))
    assert "9999 draws of 10 data sets with replacement" in write_report(tmp_path).read_text()


@pytest.mark.parametrize("ratio, win", [(1.05, True), (1.1, True), (1.15, False), (1.5, False)])
def test_win_rule_takes_test_mse_up_to_exactly_1_1_times_the_rivals(ratio, win):
    # swat smaller, its test MSE ``ratio`` times darts-admm's: a win up to 1.1x, not beyond.
    rows = [dict(dataset="Booth", estimator="swat", seed=0, test_mse=0.01 * ratio, n_nonzero=10,
                 fit_seconds=1.0),
            dict(dataset="Booth", estimator="darts-admm", seed=0, test_mse=0.01, n_nonzero=30,
                 fit_seconds=1.0)]
    assert summarize(rows).win_rates["darts-admm"].wins == int(win)


def test_win_rate_interval_draws_data_sets_not_pairs():
    """The interval is a bootstrap over data sets: repeated seeds of a function add no certainty."""
    clustered = summarize(_win_loss_rows(10, 3))
    independent = summarize(_win_loss_rows(30, 1))
    assert clustered.win_rates["darts-admm"].rate == independent.win_rates["darts-admm"].rate == 0.5
    low, high = clustered.win_rates["darts-admm"].interval
    low30, high30 = independent.win_rates["darts-admm"].interval
    assert low < 0.5 < high and low30 < 0.5 < high30
    # 10 functions (30 pairs) are as uncertain as 10 functions: about +-0.3 (binomial: 1.96 x 0.158),
    # wider than 30 independent functions (about +-0.18).
    assert 0.2 < high - low < 0.8 and 0.2 < high30 - low30 < 0.5
    assert high - low > 1.4 * (high30 - low30)
    # Seeded: the same rows give the same interval.
    assert summarize(_win_loss_rows(10, 3)).win_rates["darts-admm"].interval == (low, high)
    # Fewer than two data sets: no interval; the same rate everywhere: no spread.
    assert np.isnan(summarize(_win_loss_rows(1, 3)).win_rates["darts-admm"].interval).all()
    rows = [r for r in _win_loss_rows(10, 2) if r["dataset"] in cornn_names()[:5]]
    assert summarize(rows).win_rates["darts-admm"].interval == (1.0, 1.0)
    # With three seeds, each estimator against itself: a seed baseline with its own interval.
    assert {k: w.interval for k, w in clustered.seed_baseline.items()} == {
        "swat": (1.0, 1.0), "darts-admm": (1.0, 1.0)}


def test_interval_of_equal_wins_over_unequal_pair_counts_has_spread():
    """Booth: one pair, won; Sphere: two pairs, one won (swat larger on the other). Equal win
    counts, rates 1 and 1/2: not one rate everywhere, so the draws give 1/2 to 1, not the
    point 2/3."""
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Booth", "darts-admm", 0, 0.01, 30),
            _summary_row("Sphere", "swat", 0, 0.01, 10), _summary_row("Sphere", "darts-admm", 0, 0.01, 30),
            _summary_row("Sphere", "swat", 1, 0.01, 50), _summary_row("Sphere", "darts-admm", 1, 0.01, 30)]
    w = summarize(rows).win_rates["darts-admm"]
    assert (w.wins, w.n_pairs) == (2, 3)
    assert w.interval == pytest.approx((0.5, 1.0))


def test_interval_draws_the_pooled_rate_not_the_mean_of_rates_per_data_set():
    """One data set with 20 seeds, all won, and 9 with one seed, all lost: the rate is 20/29.
    The interval of the pooled rate holds it; one of the mean of the ten rates per data set
    (0.1) would lie far below."""
    names = cornn_names()[:10]
    rows = []
    for seed in range(20):
        rows += [_summary_row(names[0], "swat", seed, 0.01, 10),
                 _summary_row(names[0], "darts-admm", seed, 0.01, 30)]
    for name in names[1:]:
        rows += [_summary_row(name, "swat", 0, 0.01, 50), _summary_row(name, "darts-admm", 0, 0.01, 30)]
    w = summarize(rows).win_rates["darts-admm"]
    assert (w.wins, w.n_pairs, w.n_datasets) == (20, 29, 10)
    low, high = w.interval
    assert low < 20 / 29 < high
    assert high > 0.8  # the big data set drawn twice or more: 40/48 and up


def test_interval_is_the_95_percent_one():
    """40 data sets, one pair each, half won: the drawn rate is Binomial(40, 1/2) / 40, whose
    2.5% and 97.5% points are 14/40 and 26/40 (its 5% and 95% points: 15/40 and 25/40)."""
    rows = []
    for i, name in enumerate(cornn_names()[:40]):
        rows += [_summary_row(name, "swat", 0, 0.01, 10 if i % 2 else 50),
                 _summary_row(name, "darts-admm", 0, 0.01, 30)]
    assert summarize(rows).win_rates["darts-admm"].interval == pytest.approx((14 / 40, 26 / 40))


def test_interval_is_seeded_where_the_drawn_rates_take_many_values():
    """Data sets of 1 to 20 pairs make the drawn rate take many values: only seeded draws give
    the same interval every time (data sets of equal pair counts, as _win_loss_rows makes,
    give the same percentiles whatever the draws)."""
    rows = []
    for i, name in enumerate(cornn_names()[:20]):
        for seed in range(i + 1):
            won = (seed * 7 + i) % 3 != 0
            rows += [_summary_row(name, "swat", seed, 0.01, 10 if won else 50),
                     _summary_row(name, "darts-admm", seed, 0.01, 30)]
    intervals = {summarize(rows).win_rates["darts-admm"].interval for _ in range(3)}
    assert len(intervals) == 1


@pytest.mark.parametrize("mse_ratio, more_accurate", [(1.05, 1), (1.1, 1), (1.15, 0)])
def test_rival_columns_count_up_to_1_1_times_and_equal_sizes(mse_ratio, more_accurate):
    """The rivals table's halves of the win rule at their edges: swat's test MSE up to 1.1x the
    rival's counts as "within 1.1x", and an equal size as "no larger"."""
    rows = [_summary_row("Booth", "swat", 0, 0.01 * mse_ratio, 30),
            _summary_row("Booth", "darts-admm", 0, 0.01, 30)]
    ratios = summarize(rows).ratios["darts-admm"]
    assert (ratios["more_accurate"], ratios["no_larger"]) == (more_accurate, 1)


def test_median_fit_seconds_is_the_median_not_the_mean(tmp_path):
    """One slow fit does not move the median: times 1, 2 and 30 s give 2 s (the mean is 11)."""
    rows = [_summary_row(d, "swat", 0, 0.01, 10, t)
            for d, t in zip(["Booth", "Sphere", "Matyas"], [1.0, 2.0, 30.0])]
    assert summarize(rows).median_fit_seconds == {"swat": 2.0}
    append_results(tmp_path / "results.csv", _full(rows))
    assert "| `swat` | 3 | 2 |" in write_report(tmp_path).read_text()


def test_table_per_data_set_takes_the_median_over_three_seeds(tmp_path):
    """With three seeds the table shows the median (0.1, 10), not the mean (0.37, 40)."""
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Booth", "swat", 1, 0.1, 10),
            _summary_row("Booth", "swat", 2, 1.0, 100)]
    append_results(tmp_path / "results.csv", _full(rows))
    assert "| Booth | 0.1 | 10 |" in write_report(tmp_path).read_text()


def test_report_files(tmp_path):
    """report writes report.md with the table and summary, and two PNG figures."""
    (tmp_path / "results.csv").write_text(HAND_MADE)
    assert main(["report", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    for fragment in [
        "`swat` vs `darts-admm`: win rate | 2/3 (67%; 95% interval ",
        "`swat` vs `swat-untrained`: win rate | 3/4 (75%; 95% interval ",
        "`swat` vs `pruned-mlp`: win rate | 3/4 (75%; 95% interval ",
        "percentile bootstrap over the data sets (9999 draws of 2 data sets",
        "median test MSE ratio | 0.75 ",
        "median non-zero ratio | 0.265 ",
        "per (data set, seed) pair",
        "1 duplicate rows",
        "| `swat` | 4 | 25 |",
        "| `swat` | 2/4 (50%; 95% interval ",
        # darts-admm has both seeds on Booth only: one data set, no interval.
        "| `darts-admm` | 1/2 (50%) |",
        # Booth, median over seeds: swat MSE (0.01 + 0.02) / 2, size (20 + 25) / 2.
        "| Booth | 0.015 | 22.5 |",
        "(mse_vs_nonzero.png)",
        "(per_dataset.png)",
    ]:
        assert fragment in text, fragment
    for name in ("mse_vs_nonzero.png", "per_dataset.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_matched_size_comparison(tmp_path):
    """The two searches at equal size: the larger network's search is cut to the other's size."""
    cut = "".join([
        # Booth/0: swat (20) larger than swat-untrained (15): swat-sized meets it; lower MSE, a win.
        _row("Booth", "swat-sized", 0, 0.05, 15, 1),
        # Booth/1: swat-untrained (30) larger than swat (25): cut to 25, it is 2x more accurate.
        _row("Booth", "swat-untrained-sized", 1, 0.01, 25, 1),
        # Himmelblau/1: swat (10) larger than the constant untrained network: both constant, a tie.
        _row("Himmelblau", "swat-sized", 1, 0.5, 1, 1),
    ])
    results = HAND_MADE.replace(_row("Himmelblau", "swat-untrained", 1, 0.5, 12, 1),
                                _row("Himmelblau", "swat-untrained", 1, 0.5, 1, 1))
    # Himmelblau/0: equal sizes (30), nothing cut; swat 10x more accurate.
    results = results.replace(_row("Himmelblau", "swat-untrained", 0, 0.5, 40, 1),
                              _row("Himmelblau", "swat-untrained", 0, 0.5, 30, 1))
    (tmp_path / "results.csv").write_text(results + cut)
    z = summarize(read_results(tmp_path / "results.csv")).sized

    def some(d, keys=("n_pairs", "wins", "rival_wins", "lower_mse", "higher_mse", "both_constant",
                      "median_mse_ratio", "missing")):
        return {k: d[k] for k in keys if k in d}

    assert some(z) == {
        "n_pairs": 4, "wins": 3, "rival_wins": 2, "lower_mse": 2, "higher_mse": 1, "both_constant": 1,
        "median_mse_ratio": pytest.approx((0.25 + 1.0) / 2), "missing": 0,
    }
    assert some(z["by_cut"]["swat"]) == {"n_pairs": 2, "wins": 2, "rival_wins": 1, "lower_mse": 1,
                                         "higher_mse": 0, "both_constant": 1,
                                         "median_mse_ratio": pytest.approx(0.625)}
    assert some(z["by_cut"]["untrained"]) == {"n_pairs": 1, "wins": 0, "rival_wins": 1, "lower_mse": 0,
                                              "higher_mse": 1, "both_constant": 0, "median_mse_ratio": 2.0}
    assert z["by_cut"]["equal"]["n_pairs"] == 1 and z["by_cut"]["equal"]["lower_mse"] == 1
    text = write_report(tmp_path).read_text()
    assert "| pretrained wins (rule above) | 3 | 2 | 0 | 1 |" in text
    assert "| pairs | 4 | 2 | 1 | 1 |" in text
    # The caps here were met exactly: every pair compares networks of the same size.
    assert "| networks of equal size | 4 | 2 | 1 | 1 |" in text
    assert "pairs are left out" not in text
    # A pair whose capped row is missing is left out, and the report says so.
    (tmp_path / "results.csv").write_text(results + cut.replace(
        _row("Booth", "swat-untrained-sized", 1, 0.01, 25, 1), ""))
    z = summarize(read_results(tmp_path / "results.csv")).sized
    assert (z["n_pairs"], z["missing"]) == (3, 1)
    assert "1 pairs are left out" in write_report(tmp_path).read_text()
    # Without capped rows there is no such section.
    (tmp_path / "results.csv").write_text(HAND_MADE)
    assert summarize(read_results(tmp_path / "results.csv")).sized == {}
    assert "equal size" not in write_report(tmp_path).read_text()


def test_descent_comparison(tmp_path):
    """The latent descent alone, pretrained against untrained, counted pair by pair."""
    rows = "".join([
        # Booth/0: pretrained 4x more accurate but larger: no win either way, a lower MSE.
        _row("Booth", "swat-descent", 0, 0.01, 20, 1),
        _row("Booth", "swat-descent-untrained", 0, 0.04, 10, 1),
        # Booth/1: the untrained descent ended at the constant network: no win either way.
        _row("Booth", "swat-descent", 1, 0.02, 12, 1),
        _row("Booth", "swat-descent-untrained", 1, 0.5, 1, 1),
        # Himmelblau/0: pretrained smaller, MSE 1.05x (within 1.1x): the pretrained side's one win.
        _row("Himmelblau", "swat-descent", 0, 0.105, 8, 1),
        _row("Himmelblau", "swat-descent-untrained", 0, 0.1, 9, 1),
        # Himmelblau/1: the pretrained descent ended at the constant network, the untrained not.
        _row("Himmelblau", "swat-descent", 1, 0.5, 1, 1),
        _row("Himmelblau", "swat-descent-untrained", 1, 0.05, 14, 1),
    ])
    (tmp_path / "results.csv").write_text(HAND_MADE + rows)
    z = summarize(read_results(tmp_path / "results.csv")).descent
    assert z == {
        "n_pairs": 4, "wins": 1, "rival_wins": 0, "lower_mse": 2, "higher_mse": 1, "both_constant": 0,
        "rival_constant": 1, "constant": 1,
        "median_mse_ratio": pytest.approx((0.25 + 1.05) / 2),
        "median_nonzero_ratio": pytest.approx((8 / 9 + 2.0) / 2),
        "equal_size": 0,
    }
    text = write_report(tmp_path).read_text()
    assert "### Pretraining where it acts: the latent descent alone" in text
    assert "| pretrained test MSE more than 1.1x lower | 2 |" in text
    assert "| untrained descent ended at the constant network, pretrained not | 1 |" in text
    # Without both estimators there is no such section.
    (tmp_path / "results.csv").write_text(HAND_MADE + "".join(
        line for line in rows.splitlines(True) if "untrained" not in line))
    assert summarize(read_results(tmp_path / "results.csv")).descent == {}
    assert "latent descent alone" not in write_report(tmp_path).read_text()


def test_descent_constant_counts_leave_out_pairs_where_both_are_constant():
    """"ended at the constant network" counts the pairs where only one side did; a pair where
    both did counts as both_constant alone."""
    rows = [
        _summary_row("Booth", "swat-descent", 0, 0.5, 1),
        _summary_row("Booth", "swat-descent-untrained", 0, 0.5, 1),
        _summary_row("Sphere", "swat-descent", 0, 0.01, 9),
        _summary_row("Sphere", "swat-descent-untrained", 0, 0.5, 1),
        _summary_row("Matyas", "swat-descent", 0, 0.5, 1),
        _summary_row("Matyas", "swat-descent-untrained", 0, 0.01, 9),
    ]
    z = summarize(rows).descent
    assert (z["both_constant"], z["rival_constant"], z["constant"]) == (1, 1, 1)


def test_report_only_estimators_present(tmp_path):
    """Comparisons appear only for the estimators in the results."""
    lines = HAND_MADE.splitlines(True)[1:]
    only = HEADER + "".join(line for line in lines if ",swat," in line or ",mlp," in line)
    (tmp_path / "results.csv").write_text(only)
    path = write_report(tmp_path)
    text = path.read_text()
    assert "median test MSE ratio" in text
    assert "darts-admm" not in text and "win rate" not in text
    assert "--quick" not in text  # no run.json here


def test_report_from_a_run(quick_run):
    """The report of a real (quick) run, with a single seed."""
    text = write_report(quick_run).read_text()
    assert "`swat` vs `pruned-mlp`: win rate" in text and "share of data sets" in text
    assert "seed 0." in text and "(data set, seed) pair" not in text
    # run.json records the quick settings, and the report says what they mean.
    assert "fitted with `--quick`" in text and "say nothing about the estimators" in text
    # Generated data are not the published points, and the report says which were used.
    assert "Data: generated from the functions' closed forms" in text


def test_unwritable_out_says_what_to_do(tmp_path, capsys):
    """--out below a file: exit 2, the OS error and what to do, nothing made."""
    (tmp_path / "afile").write_text("")
    assert _cornn(tmp_path / "afile" / "out", "--datasets", "Booth", "--estimators", "mlp") == 2
    err = capsys.readouterr().err
    assert "Not a directory" in err and "or give another --out" in err


def test_out_with_a_tilde_is_the_home_folder(tmp_path, monkeypatch):
    """--out=~/bench (no shell expands that "~") is the folder in the home, not a folder "~"."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert _cornn("~/bench", "--datasets", "Booth", "--estimators", "mlp") == 0
    assert (tmp_path / "home" / "bench" / "results.csv").is_file()
    assert main(["report", "~/bench"]) == 0
    assert (tmp_path / "home" / "bench" / "report.md").is_file()
    assert not (tmp_path / "~").exists()


def test_repeated_flags_add_up(tmp_path):
    """--datasets A --datasets B asks for both (not B alone); the same for --seeds."""
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--datasets", "Matyas",
                  "--seeds", "0", "--seeds", "1") == 0
    got = {(r["dataset"], r["seed"]) for r in read_results(tmp_path / "results.csv")}
    assert got == {("Booth", 0), ("Booth", 1), ("Matyas", 0), ("Matyas", 1)}


def test_report_without_results(tmp_path, capsys):
    """report on a folder without results.csv says what to run first."""
    assert main(["report", str(tmp_path)]) == 2
    assert "python -m sklearn_swat.benchmark cornn" in capsys.readouterr().err


def test_loky_processes_match_sequential(quick_run, tmp_path):
    """--n-jobs 2 runs the fits in joblib's worker processes, with the same rows (slow: spawns)."""
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "swat", "mlp", "pruned-mlp",
                  "--n-jobs", "2") == 0
    got = {r["estimator"]: r["test_mse"] for r in _rows(tmp_path / "results.csv")}
    assert got == {r["estimator"]: r["test_mse"] for r in _rows(quick_run / "results.csv")}
    assert os.path.getsize(tmp_path / "results.csv") > 0


def test_rival_constant_networks_are_counted():
    """A rival that returned a constant network (1 non-zero) is counted apart: swat cannot win that pair."""
    rows = [
        dict(dataset="Booth", estimator="swat", test_mse=0.001, n_nonzero=20, seed=0, fit_seconds=1.0),
        dict(dataset="Booth", estimator="swat-untrained", test_mse=0.5, n_nonzero=1, seed=0, fit_seconds=1.0),
    ]
    s = summarize(rows)
    assert s.win_rates["swat-untrained"].wins == 0
    assert s.ratios["swat-untrained"]["rival_constant"] == 1
    assert s.ratios["swat-untrained"]["more_accurate"] == 1
    assert s.ratios["swat-untrained"]["rival_wins"] == 0


def _load_script(name):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_checkpoints_applies_the_win_rule(tmp_path, capsys):
    import pandas as pd

    cc = _load_script("compare_checkpoints")

    def rows(estimator, values):  # values: (dataset, seed, test_mse, n_nonzero)
        return pd.DataFrame([dict(dataset=d, estimator=estimator, test_mse=m, n_nonzero=n,
                                  n_active_neurons="1", depth=1, fit_seconds=1.0, seed=s)
                             for d, s, m, n in values])

    untrained = rows("swat-untrained", [("a", 0, 1.0, 5), ("b", 0, 1.0, 1), ("a", 1, 1.0, 5)])
    first = rows("swat", [("a", 0, 1.1, 5), ("b", 0, 0.1, 9), ("a", 1, 2.0, 3)])
    second = rows("swat", [("a", 0, 0.5, 6), ("b", 0, 0.1, 1), ("a", 1, 0.5, 5)])
    table = cc.compare(untrained, {"first": first, "second": second})
    # first: a/0 wins (equal size, 1.1x), b/0 larger, a/1 smaller but 2x the error.
    assert table.loc["first", "wins"] == 1 and table.loc["first", "wins per seed"] == "1 0"
    assert table.loc["first", "MSE <= 1.1x"] == 2 and table.loc["first", "no larger"] == 2
    assert table.loc["second", "wins"] == 2
    against = cc.against_first({"first": first, "second": second})
    assert against.loc["second", "MSE > 1.1x lower than first"] == 2
    assert against.loc["second", "> 1.1x higher"] == 0

    untrained.to_csv(tmp_path / "u.csv", index=False)
    first.to_csv(tmp_path / "f.csv", index=False)
    assert cc.main(["--untrained", str(tmp_path / "u.csv"), f"first={tmp_path / 'f.csv'}"]) == 0
    assert "constant network on 1 of 3" in capsys.readouterr().out
    # --seeds keeps only those seeds' rows in every file.
    args = ["--untrained", str(tmp_path / "u.csv"), f"first={tmp_path / 'f.csv'}"]
    assert cc.main(["--seeds", "1", *args]) == 0
    out = capsys.readouterr().out
    assert "constant network on 0 of 1" in out
    assert out.splitlines()[1].split()[:4] == ["first", "1", "0", "0"]  # pairs, wins, wins per seed
    with pytest.raises(SystemExit):
        cc.main(["--untrained", str(tmp_path / "u.csv"), str(tmp_path / "f.csv")])


def test_pool_stats_counts_empty_and_constant_networks(tmp_path, capsys):
    """The pool script finds a network without weights and one whose hidden neurons read
    no input (constant, though it has output weights)."""
    from dataclasses import fields, replace

    import torch

    from sklearn_swat._encoding import NetworkBatch
    from sklearn_swat._zoo import sample_networks

    nets = sample_networks(3, 1, 0.0, 7, 2, generator=torch.Generator().manual_seed(0), gate_prob=1.0)
    w, out_w = nets.weights.clone(), nets.out_w.clone()
    w[1], out_w[1] = 0.0, 0.0  # empty
    w[2] = 0.0  # constant: 7 output weights on neurons that read nothing
    nets = replace(nets, weights=w, out_w=out_w)
    saved = {f"1.{f.name}": getattr(nets, f.name) for f in fields(NetworkBatch)}
    (tmp_path / "run").mkdir()
    torch.save({**saved, "made_by": "{}"}, tmp_path / "run" / "fitted_zoo.pt")
    _load_script("pool_stats").pool_stats(str(tmp_path / "run"))
    out = capsys.readouterr().out
    assert "depth 1: non-zeros quartiles 3.5 7 " in out
    assert "networks 3, empty 1, constant 2, below 5*depth 1" in out


def test_descent_collapse_ratios_are_against_the_constant_network():
    """One ratio per searched candidate: its training MSE over the training mean's (the
    variance of the target scaled to [-1, 1]), the same in any units of the target."""
    dc = _load_script("descent_collapse")
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.tanh(2 * X[:, 0]) - X[:, 1]
    # Every row a training row, so that the training mean's MSE is the scaled target's variance.
    quick = dict(max_iter=12, n_restarts=2, depths=(1, 2), validation_fraction=0.0, selection="train")
    r = dc.ratios(X, y, "auto", 0, **quick)
    reg = SWATRegressor(polish_iter=0, prune=False, random_state=0, n_jobs=1, **quick).fit(X, y)
    scaled = 2 * (y - y.min()) / (y.max() - y.min()) - 1
    assert r.shape == (4,)
    np.testing.assert_allclose(r, reg.candidates_["train_loss"][:4] / np.var(scaled), rtol=1e-5)
    assert r.min() < 0.5
    np.testing.assert_allclose(dc.ratios(X, 1000.0 * y + 5.0, "auto", 0, **quick), r, rtol=1e-6)


def _screen_rows(rows):
    """Benchmark rows of seed 0 from (dataset, estimator, test_mse, n_nonzero) tuples."""
    import pandas as pd

    return pd.DataFrame([dict(dataset=d, estimator=e, test_mse=m, n_nonzero=n, seed=0, fit_seconds=1.0)
                         for d, e, m, n in rows])


def test_screen_settings_sets_the_params_in_both_searches_and_resumes(tmp_path, capsys):
    ss = _load_script("screen_settings")
    # The win rule both ways, and the counts behind it.
    frame = _screen_rows([("a", "swat", 1.0, 5), ("a", "swat-untrained", 1.05, 5),
                          ("b", "swat", 0.1, 9), ("b", "swat-untrained", 1.0, 3)])
    table = ss.score(frame)
    assert (table["pairs"], table["wins"], table["reverse"]) == (2, 1, 1)
    assert (table["more accurate"], table["less accurate"], table["larger"], table["smaller"]) == (1, 0, 1, 0)

    quick = '{"max_iter": 2, "polish_iter": 2, "n_restarts": 1, "depths": [1], "prune": false}'
    argv = ["--out", str(tmp_path), "--datasets", "Booth", "--variant", f"tiny={quick}"]
    ss.main(argv)
    rows = read_results(tmp_path / "tiny" / "results.csv")
    assert sorted(r["estimator"] for r in rows) == ["swat", "swat-untrained"]
    assert "tiny {'max_iter': 2" in capsys.readouterr().out
    ss.main(argv)  # a rerun fits nothing new
    assert read_results(tmp_path / "tiny" / "results.csv") == rows
    assert "0 new fits" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        ss.main(["--out", str(tmp_path), "--variant", "no-json"])


def test_screen_settings_scores_another_pair(tmp_path, capsys):
    """--pair swat darts-admm: the same counts against DARTS+ADMM, its own rows only."""
    ss = _load_script("screen_settings")
    frame = _screen_rows([("a", "swat", 1.0, 5), ("a", "darts-admm", 0.5, 9),
                          ("b", "swat", 0.1, 9), ("b", "darts-admm", 1.0, 30)])
    table = ss.score(frame, ("swat", "darts-admm"))
    assert (table["pairs"], table["wins"], table["reverse"]) == (2, 1, 0)
    assert (table["nnz darts-admm"], table["mse darts-admm"]) == (19.5, 0.75)
    with pytest.raises(SystemExit):
        ss.main(["--out", str(tmp_path), "--pair", "darts-admm", "swat", "--variant", "x={}"])
    assert "the first must be swat" in capsys.readouterr().err


def test_screen_settings_scores_any_rival_and_refuses_what_it_cannot_screen(tmp_path, capsys):
    """A rival outside the report's win rates is scored too; a sized rival and bad input are refused."""
    ss = _load_script("screen_settings")
    frame = _screen_rows([("a", "swat", 1.0, 5), ("a", "mlp", 1.05, 85), ("b", "swat", 0.1, 9),
                          ("b", "mlp", 0.01, 85), ("b", "mlp", 9.0, 1)])  # a duplicate: the first counts
    table = ss.score(frame, ("swat", "mlp"))
    assert (table["pairs"], table["wins"], table["reverse"], table["nnz mlp"]) == (2, 1, 0, 85)
    for argv, message in [
        (["--pair", "swat", "pruned-mlp"], "sized from another's rows"),
        (["--pair", "swat", "nothing"], "the rival must be one of"),
        (["--datasets", "Booth", "Nowhere"], "--datasets: unknown data set 'Nowhere'"),
        (["--variant", "x={oops}"], "--variant x: not JSON"),
        (["--variant", "x=[1]"], "an object of set_params keywords"),
        (["--variant", "../up={}"], "a plain folder name"),
        (["--variant", 'x={"no_such_param": 1}'], "no_such_param"),
    ]:
        args = ["--out", str(tmp_path), *argv]
        if "--variant" not in argv:
            args += ["--variant", "x={}"]
        with pytest.raises(SystemExit):
            ss.main(args)
        assert message in capsys.readouterr().err, argv
    assert not any(tmp_path.iterdir())  # refused before any folder or fit


def test_prune_paths_goes_on_past_the_stop_and_finds_the_wins_on_the_path():
    import pandas as pd
    from test_network import random_network

    import sklearn_swat._polish as P

    pp = _load_script("prune_paths")
    rng = np.random.RandomState(2)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.tanh(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2
    w = np.ones(300)
    net = P.polish(random_network(rng, sizes=(5,), sparsity=0.0, p_on=1.0), X[:200], y[:200], w[:200],
                   max_iter=100)[0]
    fit, check = (X[:200], y[:200], w[:200]), (X[200:], y[200:], w[200:])
    budget = 1.5 * P._loss(net, *check)
    small = P.prune(net, fit, check, budget=budget, polish_iter=30)
    stop, beyond = pp.past_the_stop(small, fit, check, budget, polish_iter=30, extra=3)
    # The pruning stopped because every try went over the budget: so does the first step past it.
    assert stop == "refused" and beyond[0][1] > budget
    sizes = [n.n_nonzero for n, _ in beyond]
    assert len(sizes) == 3 and small.n_nonzero > sizes[0] > sizes[1] > sizes[2]
    # With no limit a removal is within the budget: a pruning stopping there ran out of rounds.
    assert pp.past_the_stop(net, fit, check, np.inf, polish_iter=30, extra=0) == ("rounds", [])

    # A win on the path: no larger than the untrained network, within 1.1x of its test MSE.
    rows = [dict(dataset="a", estimator="swat", seed=0, n_nonzero=9, test_mse=1e-4, stop="refused",
                 budget=1.0, path=[(12, 0.5, 1e-5), (9, 0.9, 1e-4)], beyond=[(8, 2.0, 2e-3), (7, 5.0, 3e-3)]),
            dict(dataset="a", estimator="swat-untrained", seed=0, n_nonzero=8, test_mse=1.9e-3,
                 stop="refused", budget=1.0, path=[(8, 0.5, 1.9e-3)], beyond=[])]
    replayed = pd.DataFrame(rows)[["dataset", "estimator", "seed", "n_nonzero", "test_mse"]]
    table = pp.summarize_paths(rows, replayed)
    assert table.loc[0, "reaches_win"] and table.loc[0, "replays"]
    assert np.isclose(table.loc[0, "mse_at_untrained_size"], 2e-3 / 1.9e-3)
    assert np.isclose(table.loc[0, "next_over_budget"], 2.0) and table.loc[0, "steps"] == 1
    replayed.loc[0, "n_nonzero"] = 10
    assert not pp.summarize_paths(rows, replayed).loc[0, "replays"]


def test_candidate_oracle_counts_a_pair_reachable_only_where_some_network_would_win():
    import pandas as pd

    co = _load_script("candidate_oracle")
    frame = pd.DataFrame([
        # (data set, seed 0): won already, not examined.
        dict(dataset="won", estimator="swat", seed=0, n_nonzero=8, test_mse=1e-3),
        dict(dataset="won", estimator="swat-untrained", seed=0, n_nonzero=9, test_mse=1e-3),
        *(dict(dataset=d, estimator=e, seed=0, n_nonzero=n, test_mse=t) for d, e, n, t in [
            ("a", "swat", 12, 1e-4), ("a", "swat-untrained", 10, 1e-3),
            ("b", "swat", 12, 1e-4), ("b", "swat-untrained", 10, 1e-3),
            ("c", "swat", 12, 1e-4), ("c", "swat-untrained", 10, 1e-3)]),
    ])
    pairs, both = co.lost_pairs(frame)
    assert pairs == [("a", 0), ("b", 0), ("c", 0)]

    def cand(path, beyond):
        return {"depth": 1, "restart": 0, "path": path, "beyond": beyond}

    rows = [
        # a: a second candidate's path holds a win within the budget.
        dict(dataset="a", seed=0, n_nonzero=12, test_mse=1e-4, budget=1.0,
             candidates=[cand([(12, 0.5, 1e-4)], [(10, 2.0, 5e-3)]),
                         cand([(14, 0.4, 1e-4), (10, 0.9, 1.05e-3)], [])]),
        # b: only past a stop (beyond the budget).
        dict(dataset="b", seed=0, n_nonzero=12, test_mse=1e-4, budget=1.0,
             candidates=[cand([(12, 0.5, 1e-4)], [(11, 1.5, 2e-4), (9, 3.0, 9e-4)])]),
        # c: small enough only at 1.2x the untrained test MSE: not a win.
        dict(dataset="c", seed=0, n_nonzero=12, test_mse=1e-4, budget=1.0,
             candidates=[cand([(12, 0.5, 1e-4), (10, 0.9, 1.2e-3)], [])]),
    ]
    table = co.summarize(rows, both).set_index("dataset")
    assert table.reachable.tolist() == [True, True, False]
    assert table.within_budget.tolist() == [True, False, False]
    assert np.isclose(table.loc["a", "best_at_size_ratio"], 1.05)
    assert table.loc["a", "best_at_size_from"] == "d1r0" and table.loc["b", "best_at_size_from"] == "d1r0+"
    assert np.isclose(table.loc["c", "best_at_size_ratio"], 1.2)


def test_bench_general_functions_have_their_textbook_minima():
    bg = _load_script("bench_general")
    assert bg._rosenbrock(np.ones((1, 4)))[0] == 0
    assert abs(bg._ackley(np.zeros((1, 4)))[0]) < 1e-12
    assert bg._zakharov(np.zeros((1, 4)))[0] == 0
    X_train, X_test, y_train, y_test = bg.load("styblinski-tang-4")
    assert X_train.shape == (bg.N_TRAIN, 4) and X_test.shape == (bg.N_TEST, 4)
    assert X_train.min() >= -5 and X_train.max() <= 5
    assert abs(y_train.mean()) < 1e-12 and abs(y_train.std() - 1) < 1e-12
    again = bg.load("styblinski-tang-4")
    assert all(np.array_equal(a, b) for a, b in zip((X_train, X_test, y_train, y_test), again))
    for name in bg.PROBLEMS:
        assert np.isfinite(bg.load(name)[2]).all(), name


def test_bench_general_wide_suite_has_nine_to_sixteen_features():
    """The wide suite is what ``"auto"`` searches in the ``wide`` space (more than ``general``'s 8
    features); diabetes is split once, the same way each time, with the target at unit variance."""
    bg = _load_script("bench_general")
    assert not set(bg.WIDE_PROBLEMS) & set(bg.PROBLEMS)
    for name in bg.WIDE_PROBLEMS:
        X_train, X_test, y_train, y_test = bg.load(name)
        assert 9 <= X_train.shape[1] == X_test.shape[1] <= 16, name
        assert np.isfinite(y_train).all() and np.isfinite(y_test).all(), name
        assert abs(y_train.std() - 1) < 1e-12, name
    X_train, X_test, y_train, y_test = bg.load("diabetes")
    assert (len(y_train), len(y_test)) == (442 - bg.DIABETES_TEST, bg.DIABETES_TEST)
    assert np.array_equal(bg.load("diabetes")[1], X_test)
    # Each diabetes row once, in the split.
    assert len(np.unique(np.r_[X_train, X_test], axis=0)) == 442


def test_wide_vs_pca_applies_the_win_rule_with_the_pca_loadings_counted(tmp_path, monkeypatch, capsys):
    """The PCA pipeline's size counts its 8 x n_features loadings; a missing swat row is refused."""
    wvp = _load_script("wide_vs_pca")
    results = tmp_path / "results.csv"
    results.write_text(HEADER + "diabetes,swat,0.5,30,5,1,1.0,0\nsparse-16,swat,0.1,20,5,1,1.0,0\n")
    fitted = {"diabetes": (0.6, 5), "sparse-16": (0.05, 3)}

    def fake(problem, seed):
        mse, nnz = fitted[problem]
        n_features = 10 if problem == "diabetes" else 16
        return {"dataset": problem, "seed": seed, "test_mse": mse, "network_nonzero": nnz,
                "total_nonzero": nnz + wvp.N_COMPONENTS * n_features}

    monkeypatch.setattr(wvp, "fit_pca", fake)
    wvp.main(["--results", str(results), "--problems", "diabetes", "sparse-16"])
    out = capsys.readouterr().out
    # diabetes: 30 <= 85 non-zeros and 0.5 <= 1.1 * 0.6: a win for wide; sparse-16: twice the error.
    assert "diabetes                0        0.5   30        0.6       5    85" in out
    assert "wide more accurate (> 1.1x) on 1, less on 1" in out
    assert "wins (no larger, within 1.1x) wide 1, pca8 0" in out
    with pytest.raises(SystemExit):
        wvp.main(["--results", str(results), "--problems", "zakharov-10"])
    assert "no swat row" in capsys.readouterr().err


def test_used_features_counts_the_informative_and_ignored_features_read(tmp_path, monkeypatch, capsys):
    """The script sizes pruned-mlp from swat's fit, counts the features each network reads against
    the problem's informative ones, and says whether each fit gave the report's test MSE."""
    uf = _load_script("used_features")
    # A plain MLP's inputs: input 1 feeds a unit whose output weight is zero; input 2 feeds nothing.
    from types import SimpleNamespace

    mlp = SimpleNamespace(coefs_=[np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), np.array([[1.0], [0.0]])],
                          intercepts_=[np.ones(2), np.ones(1)])
    assert uf.used_features(mlp).tolist() == [True, False, False]
    reads = {"swat": (4, 0, 20), "darts-admm": (4, 3, 60), "pruned-mlp": (3, 1, 20),
             "swat-untrained": (4, 1, 18)}
    calls = []

    def fake(problem, estimator, seed, target_n_nonzero=None):
        calls.append((estimator, target_n_nonzero))
        informative, ignored, nnz = reads[estimator]
        return {"dataset": problem, "estimator": estimator, "seed": seed, "test_mse": 0.25, "n_nonzero": nnz,
                "informative_read": informative, "informative": 4, "ignored_read": ignored, "ignored": 12}

    monkeypatch.setattr(uf, "fit", fake)
    monkeypatch.setattr(uf, "REPORTS", (tmp_path / "results.csv",))
    (tmp_path / "results.csv").write_text(HEADER + "sparse-16,swat,0.25,20,5,1,1.0,0\n"
                                          "sparse-16,darts-admm,0.5,60,7-7,2,1.0,0\n")
    out_csv = tmp_path / "rows.csv"
    uf.main(["--problems", "sparse-16", "--out", str(out_csv)])
    assert ("pruned-mlp", 20) in calls  # sized from swat's network
    out = capsys.readouterr().out
    assert "sparse-16              0 swat             4/4       0/12    20       0.25  same" in out
    assert " 0 darts-admm       4/4       3/12    60       0.25  differs (0.5, nnz 60)" in out
    assert " 0 pruned-mlp       3/4       1/12    20       0.25  no row" in out
    assert ("swat: fits 1; informative features read 4/4; ignored features read 0/12; fits reading every "
            "informative feature and no ignored one 1; median nnz 20") in out
    assert "pruned-mlp: fits 1; informative features read 3/4; ignored features read 1/12; " in out
    assert len(out_csv.read_text().splitlines()) == 4
    calls.clear()
    uf.main(["--problems", "sparse-16", "--estimators", "swat-untrained"])
    assert calls == [("swat-untrained", None)]
    with pytest.raises(SystemExit):
        uf.main(["--problems", "sparse-16", "--estimators", "pruned-mlp"])
    assert "add swat to --estimators" in capsys.readouterr().err


def test_beyond_16_problems_use_the_features_they_say(capsys, monkeypatch):
    """Each problem has more than 16 features and a target at unit variance; where it names k used
    features, its target is a function of the first k alone. main prints each fit and the medians."""
    b16 = _load_script("beyond_16")
    for name in b16.PROBLEMS:
        X_train, X_test, y_train, y_test = b16.load(name)
        assert X_train.shape[1] > 16 and len(y_train) == 3750 and len(y_test) == 1250, name
        assert abs(y_train.std() - 1) < 1e-12, name
    formulas = {  # the targets from their first k features (Friedman #1 as scikit-learn writes it)
        "friedman1-32": lambda X: (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
                                   + 10 * X[:, 3] + 5 * X[:, 4]),
        "sparse-32": b16._sparse_16,
    }
    for name, formula in formulas.items():
        make, used = b16.PROBLEMS[name]
        X, y = make(50, np.random.RandomState(0))
        np.testing.assert_allclose(formula(X[:, :used]), y, rtol=1e-12)

    def fake(problem, reduction, seed):
        pca = reduction == "pca16"
        return {"dataset": problem, "reduction": reduction, "seed": seed, "test_mse": 0.5 if pca else 0.25,
                "network_nonzero": 20, "total_nonzero": 20 + (16 * 32 if pca else 0),
                "used_read": "" if pca else 4, "used": "" if pca else 4}

    monkeypatch.setattr(b16, "fit", fake)
    b16.main(["--problems", "sparse-32"])
    out = capsys.readouterr().out
    assert "sparse-32         0 pca16           0.5          20       532          " in out
    assert "sparse-32         0 kbest16        0.25          20        20       4/4" in out
    assert "sparse-32: median test MSE pca16 0.5, kbest16 0.25" in out


def test_bench_general_refuses_a_capped_estimator_without_its_reference_rows(tmp_path, capsys):
    """Capped at a size it does not have, it would fit uncapped under the capped name: refused first."""
    bg = _load_script("bench_general")
    with pytest.raises(SystemExit):
        bg.main(["--out", str(tmp_path / "out"), "--problems", "product-sines-3",
                 "--estimators", "pruned-mlp"])
    assert "pruned-mlp is capped at swat's size" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bench_general_runs_the_registry_estimators_and_resumes(tmp_path):
    bg = _load_script("bench_general")
    rows = bg.run(tmp_path, ["product-sines-3"], [0], n_jobs=1, quick=True)
    by_name = {r["estimator"]: r for r in rows}
    assert sorted(by_name) == ["darts-admm", "darts-admm-depths", "mlp", "pruned-mlp", "swat", "swat-sized",
                               "swat-tanh",
                               "swat-untrained", "swat-untrained-sized"]
    # The second group is sized by the first: each at most its reference's size.
    assert by_name["swat-sized"]["n_nonzero"] <= by_name["swat-untrained"]["n_nonzero"]
    assert by_name["swat-untrained-sized"]["n_nonzero"] <= by_name["swat"]["n_nonzero"]
    assert by_name["pruned-mlp"]["n_nonzero"] <= by_name["swat"]["n_nonzero"]
    assert bg.run(tmp_path, ["product-sines-3"], [0], n_jobs=1, quick=True) == rows
    bg.main(["--out", str(tmp_path), "--problems", "product-sines-3", "--seeds", "0", "--n-jobs", "1"])
    report = (tmp_path / "report.md").read_text()
    assert report.startswith(f"# {bg.TITLE}") and bg.TARGET_NOTE in report
    swat, untrained = by_name["swat"], by_name["swat-untrained"]
    won = swat["n_nonzero"] <= untrained["n_nonzero"] and swat["test_mse"] <= 1.1 * untrained["test_mse"]
    assert f"`swat` vs `swat-untrained`: win rate | {int(won)}/1 " in report


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_darts_admm_depths_keeps_the_smallest_network_within_the_tolerance():
    """DESIGN section 7's "same depths": a network per depth, kept by SWAT's selection rule on
    held-out rows; tolerance 0 keeps the most accurate, an infinite one the smallest."""
    from sklearn.base import clone

    from sklearn_swat.benchmark._darts_depths import DARTSDepthsRegressor

    X = np.random.RandomState(1).uniform(-1, 1, size=(300, 2))
    y = np.sin(2 * X[:, 0]) * X[:, 1]
    quick = dict(search_epochs=2, admm_epochs=2, retrain_epochs=4, polish_iter=20)
    reg = DARTSDepthsRegressor(depths=(1, 2, 3), darts_params=quick).fit(X, y)
    mse, nnz = np.array(reg.validation_mse_), np.array(reg.n_nonzero_by_depth_)
    assert len(set(nnz)) == 3  # three different networks to choose from
    assert reg.n_nonzero_ == nnz[mse <= 1.2 * mse.min()].min()
    assert reg.depth_ == reg.estimator_.depth_ and reg.network_ is reg.estimator_.network_
    np.testing.assert_array_equal(reg.predict(X), reg.estimator_.predict(X))
    best = clone(reg).set_params(selection_tolerance=0.0).fit(X, y)
    assert best.validation_mse_ == reg.validation_mse_  # the same fits, bit for bit
    assert best.n_nonzero_ == nnz[np.argmin(mse)]
    assert clone(reg).set_params(selection_tolerance=np.inf).fit(X, y).n_nonzero_ == nnz.min()


def test_bench_general_one_run_at_a_time_per_folder(tmp_path, capsys):
    """As the CORNN benchmark: a second run into a folder being written is refused, nothing written."""
    from sklearn_swat.benchmark._runner import _exclusive

    bg = _load_script("bench_general")
    with _exclusive(tmp_path):
        with pytest.raises(SystemExit):
            bg.main(["--out", str(tmp_path), "--problems", "friedman2", "--estimators", "mlp"])
        assert f"another benchmark run is writing to {str(tmp_path)!r} (pid {os.getpid()})" in \
            capsys.readouterr().err
        assert not (tmp_path / "results.csv").exists()


def test_bench_general_swat_params_reach_swat_alone(tmp_path, capsys):
    """``--swat-params`` screens a setting of the search: set on swat, not on the others; bad ones refused."""
    bg = _load_script("bench_general")
    both = ("swat", "swat-untrained")

    def fit(out, **kw):
        rows = bg.run(tmp_path / out, ["product-sines-3"], [0], n_jobs=1, quick=True, estimators=both, **kw)
        return {r["estimator"]: r for r in rows}

    plain, capped = fit("plain"), fit("capped", swat_params={"max_nonzero": 3})
    assert capped["swat"]["n_nonzero"] <= 3 < plain["swat"]["n_nonzero"]
    same = [k for k in plain["swat-untrained"] if k != "fit_seconds"]
    assert [capped["swat-untrained"][k] for k in same] == [plain["swat-untrained"][k] for k in same]
    for value, message in [('{"nope": 1}', "Invalid parameter 'nope'"), ("[1]", "a JSON object"),
                           ("{bad", "not JSON")]:
        with pytest.raises(SystemExit):
            bg.main(["--out", str(tmp_path / "bad"), "--problems", "friedman2", "--estimators", "swat",
                     "--swat-params", value])
        assert message in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    # Resumed with the same settings, nothing is fitted again; with others (the defaults
    # included), or the defaults' folder with settings, swat is refused before any fit:
    # its rows would be mixed under one name.
    assert fit("capped", swat_params={"max_nonzero": 3}) == capped
    for out, params in [("capped", None), ("capped", {"max_nonzero": 4}), ("plain", {"max_nonzero": 3})]:
        before = (tmp_path / out / "results.csv").read_bytes()
        with pytest.raises(ValueError, match="give each setting its own --out"):
            fit(out, swat_params=params)
        assert (tmp_path / out / "results.csv").read_bytes() == before
    assert json.loads((tmp_path / "capped" / "swat_params.json").read_text()) == {"max_nonzero": 3}
    assert not (tmp_path / "plain" / "swat_params.json").exists()


def test_bom_in_results_file(tmp_path, capsys):
    """A results.csv saved with a UTF-8 byte order mark reads, resumes and gets plain rows."""
    path = tmp_path / "results.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n").encode())
    assert [r["test_mse"] for r in read_results(path)] == [0.5]
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 0
    assert "Nothing to do" in capsys.readouterr().err


class _Diverged:
    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.full(len(X), np.nan)


def test_non_finite_fit_is_a_failure(tmp_path, monkeypatch, capsys):
    """A fit predicting NaN writes no row (the report stays finite) and fails, to be retried."""
    monkeypatch.setitem(ESTIMATORS, "mlp", EstimatorSpec("mlp", "diverges", lambda *args: _Diverged()))
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 1
    assert read_results(tmp_path / "results.csv") == []
    assert "predictions are not all finite" in capsys.readouterr().err
    row = {**_ROW, "test_mse": float("inf")}
    with pytest.raises(ValueError, match="test_mse must be a finite number"):
        append_results(tmp_path / "results.csv", [row])
    assert read_results(tmp_path / "results.csv") == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scheduler", ""], "scheduler address is empty"),
        (["--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", "-1"], "got -1.0"),
        (["--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", "0"], "positive number of seconds"),
    ],
)
def test_bad_scheduler_arguments(tmp_path, capsys, args, message):
    """An empty address or a timeout <= 0 is refused before anything runs."""
    assert _cornn(tmp_path / "out", "--datasets", "Booth", "--estimators", "mlp", *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_empty_out_is_refused(tmp_path, monkeypatch, capsys):
    """An empty --out meant the current folder: results.csv and run.json were written there."""
    monkeypatch.chdir(tmp_path)
    assert main(["cornn", "--out", "", "--quick", "--no-progress", "--datasets", "Booth",
                 "--estimators", "mlp"]) == 2
    assert "output folder is empty" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_bad_scheduler_address_exits_cleanly(tmp_path):
    """A malformed address: the error, then exit at once, without dask's Client.__del__ noise."""
    pytest.importorskip("distributed")
    import subprocess
    import sys

    # A process left waiting on the scheduler would run into the timeout (an error here);
    # the time is not asserted closer, as a loaded machine takes long to start python.
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_swat.benchmark", "cornn", "--out", str(tmp_path / "out"),
         "--datasets", "Booth", "--estimators", "mlp", "--quick", "--no-progress",
         "--scheduler", "notaurl", "--scheduler-timeout", "2"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Could not reach the dask scheduler at 'notaurl'" in proc.stderr
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_os_error_is_reported_not_raised(tmp_path, monkeypatch, capsys):
    """A full (or read-only) disk is an `error:` line with status 2, not a traceback."""
    import errno

    from sklearn_swat.benchmark import _runner

    def full(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_runner._ResultsWriter, "_write", full)
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 2
    assert capsys.readouterr().err.endswith("error: [Errno 28] No space left on device\n")


def test_no_more_local_workers_than_fits(tmp_path, monkeypatch):
    """joblib starts every worker asked for: --n-jobs 100000 for one fit hung the run (8
    here: a regression must not start thousands of processes on the test machine)."""
    import joblib

    asked = []
    real = joblib.Parallel

    def spy(*args, **kwargs):
        asked.append(kwargs["n_jobs"])
        # No workers started when the count is wrong: the run then fails here.
        assert kwargs["n_jobs"] == 1, kwargs["n_jobs"]
        return real(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", spy)  # imported from joblib when the run starts
    for n_jobs in ("8", "-1"):  # -1: all cores, still one fit
        out = tmp_path / n_jobs
        assert _cornn(out, "--datasets", "Booth", "--estimators", "mlp", "--n-jobs", n_jobs) == 0
        assert len(_rows(out / "results.csv")) == 1
    assert asked == [1, 1]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to tell the file written")
def test_a_row_cut_off_by_a_full_disk_is_removed(tmp_path, monkeypatch, capsys):
    """A write that fails part way leaves the file as it was before that row, so the next
    run resumes without a hand edit; the error names the file and the usual advice."""
    import errno

    from sklearn_swat.benchmark import _runner

    path = tmp_path / "results.csv"
    path.write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n")
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):
        if os.path.realpath(f"/proc/self/fd/{fd}") == str(path.resolve()):
            real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(_runner.os, "write", half_then_full)
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "0", "1") == 2
    monkeypatch.setattr(_runner.os, "write", real_write)
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(path) in err
    assert "could not append to the results file" in err
    assert path.read_bytes() == before
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "0", "1") == 0
    assert [r["seed"] for r in _rows(path)] == ["0", "1"]


def test_one_run_at_a_time_per_folder(tmp_path, capsys):
    """A second run into a folder being written is refused; a stale lock file blocks nothing."""
    from sklearn_swat.benchmark._runner import LOCK_FILE, _exclusive

    (tmp_path / "results.csv").write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n")
    with _exclusive(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"
        assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 2
        err = capsys.readouterr().err
        assert f"another benchmark run is writing to {str(tmp_path)!r} (pid {os.getpid()})" in err
        assert "use another --out" in err
    assert not (tmp_path / LOCK_FILE).exists()
    # Left by a killed run: the system released its lock with the process.
    (tmp_path / LOCK_FILE).write_text("999999999\n")
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 0
    assert "Nothing to do" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]


def test_lock_file_is_gone_after_a_run(quick_run):
    """The run leaves no lock file behind for report or resume to trip on."""
    from sklearn_swat.benchmark._runner import LOCK_FILE

    assert not (quick_run / LOCK_FILE).exists()


def test_report_on_a_file(tmp_path, capsys):
    """report given a file, not a folder, says so."""
    (tmp_path / "afile").write_text("x")
    assert main(["report", str(tmp_path / "afile")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    # A results.csv that is a folder is named as such, not as missing.
    (tmp_path / "out" / "results.csv").mkdir(parents=True)
    assert main(["report", str(tmp_path / "out")]) == 2
    assert "results.csv' is not a file" in capsys.readouterr().err


def test_data_home_help_names_the_variable(monkeypatch, capsys):
    """--data-home's help shows SKLEARN_SWAT_CORNN_HOME as the default."""
    from sklearn_swat.datasets._cornn import DATA_HOME_ENV

    monkeypatch.setenv(DATA_HOME_ENV, "/data/cornn")
    with pytest.raises(SystemExit):
        main(["cornn", "--help"])
    assert f"${DATA_HOME_ENV}, now '/data/cornn'" in " ".join(capsys.readouterr().out.split())


def test_rows_of_other_data_or_settings_are_not_mixed(quick_run, tmp_path, capsys):
    """run.json records the data and quick flag of the rows; a run with others is refused."""
    import json

    assert json.loads((quick_run / "run.json").read_text()) == {"data": "generated", "quick": True}
    before = (quick_run / "results.csv").read_bytes()
    # Without --quick: full settings, and "Nothing to do" would be wrong.
    status = main(["cornn", "--out", str(quick_run), "--datasets", "Booth", "--estimators", "mlp",
                   "--no-progress"])
    assert status == 2
    err = capsys.readouterr().err
    assert "fitted on generated data with the quick settings (run.json)" in err
    assert "Use another --out" in err and "Nothing to do" not in err
    assert (quick_run / "results.csv").read_bytes() == before
    # A folder of rows from before run.json existed is not checked.
    (tmp_path / "results.csv").write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n")
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 0
    assert "Nothing to do" in capsys.readouterr().err
    # Values no run writes ("true" as a string, other data) are a corrupt file, not a mismatch
    # whose message would name the same settings on both sides.
    for saved in ({"data": "generated", "quick": "true"}, {"data": "mine", "quick": True}):
        (tmp_path / "run.json").write_text(json.dumps(saved))
        assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 2
        assert "run.json' is corrupt" in capsys.readouterr().err


def test_empty_data_home_is_an_error_line(tmp_path, capsys):
    assert main(["cornn", "--out", str(tmp_path / "o"), "--data-home", "", "--datasets", "Booth",
                 "--estimators", "mlp"]) == 2
    assert "data_home must be the path of a folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_duplicate_reference_rows_size_as_the_report_reads_them():
    """With two swat rows for one fit (hand-merged files), pruned-mlp is sized from the first,
    the one the report compares it with."""
    from sklearn_swat.benchmark._runner import _plan

    rows = [
        {"dataset": "Booth", "estimator": "swat", "seed": 0, "n_nonzero": 10},
        {"dataset": "Booth", "estimator": "swat", "seed": 0, "n_nonzero": 20},
    ]
    first, later = _plan(["Booth"], ["pruned-mlp"], [0], rows)
    assert later == [] and [t.target_n_nonzero for t in first] == [10]


def test_a_resumed_pruned_mlp_is_sized_from_its_own_seeds_swat_row():
    """swat's rows already in the file: each seed's pruned-mlp gets the size of swat's row of the
    same seed (10 for seed 0, 20 for seed 1), not another seed's."""
    from sklearn_swat.benchmark._runner import _plan

    rows = [
        {"dataset": "Booth", "estimator": "swat", "seed": 0, "n_nonzero": 10},
        {"dataset": "Booth", "estimator": "swat", "seed": 1, "n_nonzero": 20},
    ]
    first, later = _plan(["Booth"], ["pruned-mlp"], [0, 1], rows)
    assert later == []
    assert sorted((t.seed, t.target_n_nonzero) for t in first) == [(0, 10), (1, 20)]


def test_pruned_mlp_loss_curve_is_each_epochs_mean_training_mse():
    """loss_curve_ is documented as the mean training MSE of each epoch: with a learning rate
    too small to move the weights, every entry is the MSE of the fitted network (the last
    mini-batch of 8 rows weighs 8 rows, not as much as a batch of 64)."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = np.tanh(2 * X[:, 0]) + 0.5 * X[:, 1]
    reg = PrunedMLPRegressor(max_iter=3, batch_size=64, learning_rate=1e-9, polish_iter=0,
                             random_state=0).fit(X, y)
    mse = np.mean((reg.predict(X) - y) ** 2)
    assert reg.loss_curve_ == pytest.approx([mse] * 3, rel=1e-3)


def test_pruned_mlp_counts_the_epochs_of_both_phases():
    """n_iter_ is max_iter + retrain_iter when pruning runs, the last pruning step taking the
    remainder of retrain_iter; a target at the dense count skips phase 2 (as documented), and
    retrain_iter=0 prunes without retraining."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = X[:, 0] * X[:, 1]
    cheap = dict(max_iter=2, polish_iter=0, random_state=0)
    uneven = PrunedMLPRegressor(n_nonzero=20, retrain_iter=7, pruning_steps=3, **cheap).fit(X, y)
    assert uneven.n_iter_ == len(uneven.loss_curve_) == 2 + 7
    assert uneven.n_nonzero_ <= 20
    at_dense = PrunedMLPRegressor(n_nonzero=85, retrain_iter=7, **cheap).fit(X, y)
    assert at_dense.n_iter_ == 2 and at_dense.n_nonzero_ == 85
    no_retrain = PrunedMLPRegressor(n_nonzero=20, retrain_iter=0, **cheap).fit(X, y)
    assert no_retrain.n_iter_ == 2 and no_retrain.n_nonzero_ <= 20


def test_pruned_mlp_draws_a_new_batch_order_each_epoch_from_random_state(monkeypatch):
    """random_state seeds the order of the mini-batches as well as the initial weights: each
    epoch draws a new order, the same seed the same orders, another seed others."""
    import torch

    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = X[:, 0] * X[:, 1]
    randperm = torch.randperm
    orders = []

    def recorded(*args, **kwargs):
        out = randperm(*args, **kwargs)
        orders.append(tuple(out.tolist()))
        return out

    monkeypatch.setattr(torch, "randperm", recorded)

    def fit_orders(seed):
        orders.clear()
        PrunedMLPRegressor(max_iter=2, batch_size=8, polish_iter=0, random_state=seed).fit(X, y)
        return list(orders)

    first = fit_orders(1)
    assert len(first) == 2 and first[0] != first[1]
    assert sorted(first[0]) == list(range(40))
    assert fit_orders(1) == first
    assert fit_orders(2) != first


def test_pruned_mlp_training_that_diverges_is_an_error():
    """Targets float32 holds but whose squared error overflows it turn the weights to NaN: the
    fit says so and what to do, rather than keep a network that predicts NaN."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (30, 2))
    y = (X[:, 0] + 2.0) * 1e38  # below float32's limit, 3.4e38; its gradient is not
    with pytest.raises(ValueError, match="Training diverged.*scale them first"):
        PrunedMLPRegressor(max_iter=2, retrain_iter=2, polish_iter=0, random_state=0).fit(X, y)


def test_pruned_mlp_pruned_entries_are_positive_zeros():
    """Pruned entries are 0.0, never -0.0 (which prints as "-0." and differs in bytes), with
    or without the polish."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = np.tanh(2 * X[:, 0]) - X[:, 1]
    for polish_iter in (0, 5):
        reg = PrunedMLPRegressor(n_nonzero=15, max_iter=3, retrain_iter=3, polish_iter=polish_iter,
                                 random_state=0).fit(X, y)
        values = np.concatenate([a.ravel() for a in reg.coefs_ + reg.intercepts_])
        assert (values == 0).sum() == 85 - reg.n_nonzero_
        assert not np.signbit(values[values == 0]).any()


def test_pruned_mlp_polishes_up_to_four_hidden_layers_and_checks_learning_rate():
    """Four hidden layers (SWAT's deepest) are polished; a learning rate of 0 is refused by name."""
    X = np.random.RandomState(0).uniform(-1, 1, (20, 2))
    reg = PrunedMLPRegressor(hidden_layer_sizes=(3,) * 4, max_iter=1, retrain_iter=1, polish_iter=5,
                             random_state=0).fit(X, X[:, 0])
    assert reg.depth_ == 4
    with pytest.raises(ValueError, match="learning_rate"):
        PrunedMLPRegressor(learning_rate=0.0, max_iter=1).fit(X, X[:, 0])


def test_registry_quick_settings_keep_each_variants_own_settings_and_the_seed():
    """quick only shortens the searches: every estimator still takes the seed given, and the
    variants keep what defines them (swat-descent has no polish, swat-paper none either)."""
    from sklearn.pipeline import Pipeline

    for name in estimator_names():
        for quick in (False, True):
            est = make_estimator(name, seed=3, quick=quick, target_n_nonzero=9)
            last = est[-1] if isinstance(est, Pipeline) else est
            assert last.random_state == 3, (name, quick)
    for name in ("swat-descent", "swat-descent-untrained"):
        d = make_estimator(name, quick=True)
        assert (d.polish_iter, d.prune) == (0, False), name
    paper = make_estimator("swat-paper", quick=True)
    assert (paper.polish_iter, paper.refine_iter, paper.prune) == (0, 0, False)
    full, quick = make_estimator("darts-admm"), make_estimator("darts-admm", quick=True)
    for epochs in ("search_epochs", "admm_epochs", "retrain_epochs"):
        assert getattr(quick, epochs) < getattr(full, epochs), epochs


def test_a_name_given_twice_is_fitted_once(tmp_path):
    """--datasets Booth Booth --estimators mlp mlp is one fit, one row."""
    assert _cornn(tmp_path, "--datasets", "Booth", "Booth", "--estimators", "mlp", "mlp") == 0
    assert [(r["dataset"], r["estimator"]) for r in read_results(tmp_path / "results.csv")] == [
        ("Booth", "mlp")]


def test_cornn_interrupted_exits_130_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    """Ctrl-C during a run exits with 130 (as the help says) and says that the same command resumes."""
    from sklearn_swat.benchmark import __main__ as cli

    monkeypatch.setattr(cli, "run_benchmark", _raise(KeyboardInterrupt()))
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp") == 130
    assert "run the same command again to resume" in capsys.readouterr().err


def test_data_home_help_shows_a_value_with_a_percent_sign(tmp_path, monkeypatch, capsys):
    """--help prints SKLEARN_SWAT_CORNN_HOME as it is, even with a "%" (argparse formats help text)."""
    from sklearn_swat.datasets._cornn import DATA_HOME_ENV

    monkeypatch.setenv(DATA_HOME_ENV, "/data/100%/cornn")
    with pytest.raises(SystemExit) as exc:
        _cornn(tmp_path, "--help")
    assert exc.value.code == 0
    assert "now '/data/100%/cornn'" in " ".join(capsys.readouterr().out.split())


# From a second mutation run of _runner.py and datasets/_cornn.py (a helper): what 42 mutants
# showed untested.


class _Mean:
    """A network of one parameter, the output bias: fits in no time."""

    n_nonzero_, n_active_neurons_, depth_ = 1, [], 0

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


class _RaisesRuntimeError:
    def fit(self, X, y):
        raise RuntimeError("boom")


class _SlowPredict(_Mean):
    def predict(self, X):
        time.sleep(0.5)
        return super().predict(X)


def _mean_estimators(monkeypatch, *names):
    """Make the estimators ``names`` instant (_Mean), for tests of the runner, not of the fits."""
    for name in names:
        monkeypatch.setitem(ESTIMATORS, name, EstimatorSpec(name, "mean", lambda *args: _Mean()))


def test_a_zero_test_mse_or_fit_time_is_a_row_and_fit_seconds_keep_milliseconds(tmp_path):
    """test_mse and fit_seconds are finite numbers >= 0: 0 (an exact fit, a fit faster than the
    clock) is written and read back; fit_seconds are written to the millisecond, however long."""
    path = tmp_path / "results.csv"
    append_results(path, [{**_ROW, "test_mse": 0.0, "fit_seconds": 0.0},
                          {**_ROW, "seed": 1, "fit_seconds": 12.3456}])
    rows = read_results(path)
    assert (rows[0]["test_mse"], rows[0]["fit_seconds"]) == (0.0, 0.0)
    assert rows[1]["fit_seconds"] == pytest.approx(12.346, abs=1e-9)


@pytest.mark.parametrize("line, message", [
    (",mlp,0.1,85,7-7,2,1.0,0", "empty dataset"),
    ("Booth,,0.1,85,7-7,2,1.0,0", "empty estimator"),
    ("Booth,mlp,0.1,85,7-7,2,1.0,2147483648", "seed '2147483648' is not below 2**31"),
])
def test_read_results_refuses_a_row_no_run_writes(tmp_path, line, message):
    """A row without a data set or estimator name, or with the seed 2**31 (seeds are below it),
    is damaged: named with its line, not read as a fit that was done."""
    path = tmp_path / "results.csv"
    path.write_text(HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,2147483647\n" + line + "\n")
    with pytest.raises(BenchmarkError, match="line 3: " + message.replace("*", r"\*")):
        read_results(path)
    path.write_text(HEADER + "Booth,mlp,0.1,85,7-7,2,1.0,2147483647\n")
    assert [r["seed"] for r in read_results(path)] == [2**31 - 1]


def test_a_hand_edited_results_file_with_blank_lines_and_spaces_reads_and_resumes(tmp_path, capsys):
    """Blank lines are skipped and the cells stripped, as in the header: a file tidied by hand
    reads as the same rows, and a resumed run finds them done."""
    path = tmp_path / "results.csv"
    path.write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n\n Booth , mlp , 0.25 ,85,7-7,2,1.000, 1 \n\n")
    rows = read_results(path)
    assert [(r["dataset"], r["estimator"], r["test_mse"], r["seed"]) for r in rows] == [
        ("Booth", "mlp", 0.5, 0), ("Booth", "mlp", 0.25, 1)]
    assert _cornn(tmp_path, "--datasets", "Booth", "--estimators", "mlp", "--seeds", "0", "1") == 0
    assert "Nothing to do" in capsys.readouterr().err


def test_an_empty_results_file_has_no_rows_and_gets_its_header(tmp_path):
    """An empty results.csv (made by `touch`, or by a run stopped before its header) has no rows,
    as documented, and the first rows appended to it come below a header."""
    path = tmp_path / "results.csv"
    path.write_text("")
    assert read_results(path) == []
    append_results(path, [_ROW])
    assert path.read_text() == HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n"


def test_append_results_writes_whole_rows_through_short_writes_and_syncs_each(tmp_path, monkeypatch):
    """os.write may write less than it is given (a signal, a pipe, some file systems): the rest is
    written too. Each row is fsync'ed to the disk as it is written, as documented."""
    from sklearn_swat.benchmark import _runner

    path = tmp_path / "results.csv"
    real_write, real_fsync = os.write, os.fsync
    synced = []

    def fsync(fd):
        synced.append(os.fstat(fd))
        return real_fsync(fd)

    with monkeypatch.context() as patch:
        patch.setattr(_runner.os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
        patch.setattr(_runner.os, "fsync", fsync)
        append_results(path, [_ROW, {**_ROW, "seed": 1}])
    assert [r["seed"] for r in read_results(path)] == [0, 1]
    assert sum(os.path.samestat(s, os.stat(path)) for s in synced) >= 2


def test_fit_seconds_time_the_fit_not_the_predictions():
    """fit_seconds is the time of fit alone: the test predictions after it are not counted."""
    X = np.zeros((4, 2))
    row = fit_row(_SlowPredict(), "mean", "Booth", 0, (X, X, np.arange(4.0), np.zeros(4)))
    assert row["fit_seconds"] < 0.25  # predict sleeps 0.5 s
    assert row["test_mse"] == pytest.approx(2.25)


def test_any_error_of_a_fit_is_a_failure_named_by_its_fit(tmp_path, monkeypatch, capsys):
    """Not only a ValueError: a fit raising any error (a RuntimeError of torch, say) writes no row
    and is a failure, listed as (data set, estimator, seed, traceback) and shown with its error;
    the other fits go on."""
    _mean_estimators(monkeypatch, "mlp")
    broken = EstimatorSpec("swat", "broken", lambda *args: _RaisesRuntimeError())
    monkeypatch.setitem(ESTIMATORS, "swat", broken)
    run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["swat", "mlp"], quick=True, progress=False)
    assert [r["estimator"] for r in read_results(run.path)] == ["mlp"]
    assert [f[:3] for f in run.failures] == [("Booth", "swat", 0)]
    assert "RuntimeError: boom" in run.failures[0][3]
    captured = capsys.readouterr()
    # On stderr, with the command's other messages and its progress bar: stdout stays clean.
    assert "FAILED Booth / swat / seed 0: RuntimeError: boom" in captured.err
    assert captured.out == ""


def test_the_fits_convergence_warnings_are_silenced(tmp_path):
    """The quick mlp stops at its few iterations: the run shows no ConvergenceWarning per fit."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], quick=True, progress=False)
    assert run.n_written == 1 and run.failures == []
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_rows_come_in_the_registrys_order_and_a_repeated_seed_is_fitted_once(tmp_path, monkeypatch):
    """Whatever the order asked for, the fits run (and their rows come) in the registry's order, so
    that one command gives one file; --seeds 0 0 is one fit, as a name given twice is."""
    _mean_estimators(monkeypatch, "swat", "mlp")
    run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp", "swat"], seeds=[0, 0],
                        quick=True, progress=False)
    assert [(r["estimator"], r["seed"]) for r in read_results(run.path)] == [("swat", 0), ("mlp", 0)]


@pytest.mark.parametrize("kwargs, message", [
    (dict(seeds=[2**31]), "seeds must be a list of integers in [0, 2**31)"),
    (dict(seeds=[-1]), "seeds must be a list of integers in [0, 2**31)"),
    (dict(n_jobs=0), "n_jobs must be a positive number of fits"),
    (dict(scheduler_timeout=float("inf")), "scheduler_timeout (--scheduler-timeout) must be a positive"),
])
def test_run_benchmark_refuses_what_it_documents_before_any_fit(tmp_path, kwargs, message):
    """A seed outside [0, 2**31), n_jobs=0 and a timeout that is not a finite positive number are
    refused before any fit: no folder is made."""
    with pytest.raises(BenchmarkError) as info:
        run_benchmark(tmp_path / "out", **{**dict(datasets=["Booth"], estimators=["mlp"], quick=True,
                                                   progress=False), **kwargs})
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_the_quick_variable_turns_quick_on_only_with_1(tmp_path, monkeypatch, capsys):
    """SKLEARN_SWAT_BENCHMARK_QUICK=1 turns the quick settings on; 0 leaves them off (here the rows
    of full settings in the folder are found done, not refused as quick ones would be)."""
    (tmp_path / "results.csv").write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n")
    (tmp_path / "run.json").write_text(json.dumps({"data": "generated", "quick": False}))
    monkeypatch.setenv(QUICK_ENV, "0")
    run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], progress=False)
    assert (run.n_existing, run.n_written) == (1, 0)
    monkeypatch.setenv(QUICK_ENV, "1")
    with pytest.raises(BenchmarkError, match="this run asks for generated data with the quick settings"):
        run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], progress=False)


def test_an_out_folder_that_existed_empty_is_kept_after_an_error(tmp_path):
    """Only a folder the run made is removed when the run writes nothing: the user's own stays."""
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FileNotFoundError):
        run_benchmark(out, datasets=["Booth"], estimators=["mlp"], data_home=tmp_path / "nowhere",
                      quick=True, progress=False)
    assert out.is_dir() and os.listdir(out) == []


def test_run_json_goes_with_the_first_rows_only(tmp_path, monkeypatch):
    """run.json records the settings of the rows in results.csv: with no rows there (a header
    alone), a run with other settings is not refused and records its own; rows of a version that
    recorded none are not given the settings of the run that adds to them."""
    _mean_estimators(monkeypatch, "mlp")
    (tmp_path / "results.csv").write_text(HEADER)
    (tmp_path / "run.json").write_text(json.dumps({"data": "generated", "quick": False}))
    run = run_benchmark(tmp_path, datasets=["Booth"], estimators=["mlp"], quick=True, progress=False)
    assert run.n_written == 1
    assert json.loads((tmp_path / "run.json").read_text()) == {"data": "generated", "quick": True}
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.csv").write_text(HEADER + "Booth,mlp,0.5,85,7-7,2,1.000,0\n")
    run = run_benchmark(old, datasets=["Booth"], estimators=["mlp"], seeds=[0, 1], quick=True, progress=False)
    assert run.n_written == 1 and not (old / "run.json").exists()


def test_a_malformed_data_file_is_an_error_line_of_the_command(tmp_path, capsys):
    """A data file that is not CORNN's stops the command with exit 2 and an error line naming it,
    not a traceback, before any fit."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "Booth_train_set.csv").write_text("a,b,c\n1,2,3\n")
    status = _cornn(tmp_path / "out", "--datasets", "Booth", "--estimators", "mlp", "--data-home", str(data))
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: CORNN file") and "Booth_train_set.csv' has columns ['a', 'b', 'c']" in err
    assert not (tmp_path / "out").exists()


def test_the_lock_file_holds_the_pid_alone_after_a_longer_stale_one(tmp_path):
    """A stale lock file left by a killed run is rewritten, not overwritten in part: the pid that
    a refused run reports is the holder's, not mixed with the old text."""
    from sklearn_swat.benchmark._runner import LOCK_FILE, _exclusive

    (tmp_path / LOCK_FILE).write_text("123456789012345\n")
    with _exclusive(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"


def test_a_worker_that_dies_counts_the_rows_already_in_the_file(tmp_path, monkeypatch):
    """The rows said to be kept are all those in the file: those before the run and its own."""
    import joblib
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    _mean_estimators(monkeypatch, "mlp")
    (tmp_path / "results.csv").write_text(HEADER + "Himmelblau,mlp,0.5,85,7-7,2,1.000,0\n")
    killed = TerminatedWorkerError("A worker process was unexpectedly terminated.")
    monkeypatch.setattr(joblib.Parallel, "__call__", _first_fit_then(killed))
    with pytest.raises(BenchmarkError, match="The 2 rows written are kept"):
        run_benchmark(tmp_path, datasets=["Booth", "Sphere"], estimators=["mlp"], quick=True, progress=False)
    assert len(read_results(tmp_path / "results.csv")) == 2


def test_an_error_of_joblib_in_a_local_run_is_raised_as_it_is(tmp_path, monkeypatch):
    """Only a run on a dask scheduler turns joblib's own errors into "was the scheduler lost?":
    on this machine the error is raised as it is, with the rows written kept."""
    import joblib

    _mean_estimators(monkeypatch, "mlp")
    monkeypatch.setattr(joblib.Parallel, "__call__", _first_fit_then(RuntimeError("joblib broke")))
    with pytest.raises(RuntimeError, match="joblib broke"):
        run_benchmark(tmp_path, datasets=["Booth", "Sphere"], estimators=["mlp"], quick=True, progress=False)
    assert len(read_results(tmp_path / "results.csv")) == 1


def test_n_jobs_none_on_a_scheduler_uses_every_worker_thread(tmp_path, monkeypatch):
    """n_jobs=None means every worker thread of the cluster with a scheduler (joblib's -1 on its
    dask backend), not one fit at a time; given, it is passed on as it is."""
    distributed = pytest.importorskip("distributed")
    import joblib

    _mean_estimators(monkeypatch, "mlp")
    asked = []
    real = joblib.Parallel

    def spy(*args, **kwargs):
        asked.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", spy)
    with _one_worker_cluster(distributed) as cluster:
        for n_jobs, out in ((None, "all"), (3, "three")):
            run = run_benchmark(tmp_path / out, datasets=["Booth"], estimators=["mlp"], n_jobs=n_jobs,
                                scheduler=cluster.scheduler_address, quick=True, progress=False)
            assert run.n_written == 1
    assert asked == [-1, 3]


# From a second mutation run of _report.py and the two command lines (a helper): what 45
# mutants showed untested.

_SUMMARIZE_IN_A_PROCESS = """
from sklearn_swat.benchmark import summarize
from sklearn_swat.datasets import cornn_names
rows = []
for i, name in enumerate(cornn_names()[:20]):
    for seed in range(i + 1):
        won = (seed * 7 + i) % 3 != 0
        for est, nnz in (("swat", 10 if won else 50), ("darts-admm", 30)):
            rows.append(dict(dataset=name, estimator=est, seed=seed, test_mse=0.01, n_nonzero=nnz,
                             fit_seconds=1.0))
print(repr(summarize(rows).win_rates["darts-admm"].interval))
"""


def test_win_rate_interval_is_the_same_in_another_process():
    """The same rows give the same interval in every run of the report, not only within one
    Python process: the pairs are taken in a fixed order, not in the order of a set of names
    (which follows Python's per-process string hashing)."""
    here = {}
    exec(_SUMMARIZE_IN_A_PROCESS.replace("print(", "here['interval'] = ("), {"here": here})
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    there = subprocess.run([sys.executable, "-c", _SUMMARIZE_IN_A_PROCESS], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}).stdout
    assert there.strip() == here["interval"], (there, here)


def test_win_rate_interval_is_the_documented_bootstrap(monkeypatch):
    """The interval is what the report says it is: a 95% percentile bootstrap of 9999 draws,
    wins and pair counts of a data set drawn together, seeded."""
    from sklearn_swat.benchmark import _report

    calls = []
    real = _report.bootstrap

    def spy(data, statistic, **kwargs):
        calls.append(kwargs)
        return real(data, statistic, **kwargs)

    monkeypatch.setattr(_report, "bootstrap", spy)
    rows = []
    for i, name in enumerate(cornn_names()[:6]):
        rows += [_summary_row(name, "swat", 0, 0.01, 10 if i % 2 else 50),
                 _summary_row(name, "darts-admm", 0, 0.01, 30)]
    summarize(rows)
    assert len(calls) == 1
    kwargs = calls[0]
    assert (kwargs["n_resamples"], kwargs["confidence_level"], kwargs["method"], kwargs["paired"]) == (
        9999, 0.95, "percentile", True)


def test_more_than_1_1_times_lower_excludes_exactly_1_1_times():
    """"Pretrained test MSE more than 1.1x lower (higher)" is strict: a pair at exactly 1.1x
    (1.0 against 1.1, both exact in binary up to the same rounding) is in neither count, a pair
    at 1.05x neither, and only 1.2x counts."""
    rows = []
    for name, pretrained, untrained in [("Booth", 1.0, 1.1), ("Sphere", 1.1, 1.0), ("Matyas", 1.0, 1.05),
                                        ("Beale", 1.0, 1.2)]:
        rows += [_summary_row(name, "swat-descent", 0, pretrained, 10),
                 _summary_row(name, "swat-descent-untrained", 0, untrained, 10)]
    z = summarize(rows).descent
    assert (z["lower_mse"], z["higher_mse"]) == (1, 0)


def test_two_exact_fits_have_an_mse_ratio_of_1():
    """Two networks that both fit exactly (test MSE 0) are as accurate: their ratio is 1 (not
    inf, which would drag the median up); an exact fit against an inexact one is 0."""
    rows = [_summary_row("Booth", "swat", 0, 0.0, 10), _summary_row("Booth", "mlp", 0, 0.0, 85),
            _summary_row("Sphere", "swat", 0, 0.0, 10), _summary_row("Sphere", "mlp", 0, 0.5, 85),
            _summary_row("Matyas", "swat", 0, 0.0, 10), _summary_row("Matyas", "mlp", 0, 0.0, 85)]
    s = summarize(rows)
    assert s.mlp_ratios["median_mse_ratio"] == 1.0
    assert s.ratios["mlp"]["median_mse_ratio"] == 1.0


def test_rival_constant_leaves_out_pairs_where_swat_is_constant_too():
    """"Rival constant, swat not": a pair where both returned the constant network is not one
    that only a constant network could win."""
    rows = [_summary_row("Booth", "swat", 0, 0.5, 1), _summary_row("Booth", "darts-admm", 0, 0.5, 1),
            _summary_row("Sphere", "swat", 0, 0.01, 9), _summary_row("Sphere", "darts-admm", 0, 0.5, 1)]
    assert summarize(rows).ratios["darts-admm"]["rival_constant"] == 1


def test_equal_size_section_with_only_the_untrained_search_capped(tmp_path):
    """Where swat came out smaller on every pair only swat-untrained-sized is fitted: the
    equal-size comparison is made from that estimator alone."""
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Booth", "swat-untrained", 0, 0.02, 20),
            _summary_row("Booth", "swat-untrained-sized", 0, 0.04, 10)]
    z = summarize(rows).sized
    assert (z["n_pairs"], z["wins"], z["lower_mse"], z["missing"]) == (1, 1, 1, 0)
    assert z["by_cut"]["untrained"]["n_pairs"] == 1
    append_results(tmp_path / "results.csv", _full(rows))
    assert "### Pretraining at equal size" in write_report(tmp_path).read_text()


def test_data_sets_come_in_cornn_order_and_other_names_sorted(tmp_path):
    """The report lists CORNN functions in CORNN's order (Ackley N.2 before Ackley), then any
    other names (bench_general's functions) sorted, so that a report is written the same way
    every time."""
    names = ["Ackley", "Ackley N.2", "zeta", "alpha", "mu", "kappa", "omega", "beta"]
    rows = [_summary_row(name, "swat", 0, 0.01, 10) for name in names]
    s = summarize(rows)
    assert s.datasets == ["Ackley N.2", "Ackley", "alpha", "beta", "kappa", "mu", "omega", "zeta"]
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    assert text.index("| Ackley N.2 |") < text.index("| Ackley |") < text.index("| alpha |") < text.index(
        "| zeta |")


def test_table_per_data_set_shows_a_dash_where_an_estimator_has_no_row(tmp_path):
    """An estimator without a row on a data set is shown as missing ("–"), not as a 0 MSE
    with 0 non-zeros, which would read as a perfect fit."""
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Booth", "mlp", 0, 0.02, 85),
            _summary_row("Sphere", "swat", 0, 0.03, 12)]
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    assert "| Booth | 0.01 | 10 | 0.02 | 85 |" in text
    assert "| Sphere | 0.03 | 12 | – | – |" in text


@pytest.mark.parametrize("run_json", ["{not json", "[1, 2]", ""])
def test_report_with_an_unreadable_run_json_is_written_without_its_notes(tmp_path, run_json):
    """run.json only adds notes to the report: a damaged one (hand-edited, cut off) leaves them
    out rather than stopping the report."""
    (tmp_path / "results.csv").write_text(HAND_MADE)
    (tmp_path / "run.json").write_text(run_json)
    assert main(["report", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "--quick" not in text and "Data: " not in text


def test_report_notes_say_what_run_json_records(tmp_path):
    """Published data are named as such; rows fitted without --quick get no --quick warning."""
    (tmp_path / "results.csv").write_text(HAND_MADE)
    (tmp_path / "run.json").write_text(json.dumps({"data": "published", "quick": False}))
    text = write_report(tmp_path).read_text()
    assert "Data: the published CORNN CSV files (`--data-home`)." in text
    assert "--quick" not in text


def test_report_mentions_duplicates_only_when_there_are_some(tmp_path):
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Booth", "mlp", 0, 0.02, 85)]
    append_results(tmp_path / "results.csv", _full(rows))
    assert "duplicate" not in write_report(tmp_path).read_text()


def test_win_rate_without_common_pairs_says_so(tmp_path):
    """swat and darts-admm on different data sets: no pair to compare, said in words rather
    than as 0/0 (nan%)."""
    rows = [_summary_row("Booth", "swat", 0, 0.01, 10), _summary_row("Sphere", "darts-admm", 0, 0.01, 30)]
    w = summarize(rows).win_rates["darts-admm"]
    assert (w.wins, w.n_pairs) == (0, 0)
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    assert "| `swat` vs `darts-admm`: win rate | no common pairs |" in text
    assert "nan" not in text



def test_mlp_ratios_without_common_pairs_say_so(tmp_path):
    """swat and mlp on different data sets: the two mlp rows say there is no pair, as the win
    rates do, rather than nan over 0 data sets."""
    rows = [_summary_row("Booth", "swat", 0, 0.02, 10), _summary_row("Sphere", "mlp", 0, 0.01, 85)]
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    assert "| `swat` vs `mlp`: median test MSE ratio | no common pairs |" in text
    assert "| `swat` vs `mlp`: median non-zero ratio | no common pairs |" in text
    assert "nan" not in text

def test_report_tables_put_each_count_in_its_row(tmp_path):
    """The rivals, equal-size and descent tables, with counts that differ from row to row,
    show each count in the row that names it."""
    rows = [
        # swat against darts-admm: within 1.1x on all three pairs, no larger on two (not Booth),
        # the rival no larger and within 1.1x of swat's MSE on Booth.
        _summary_row("Booth", "swat", 0, 0.01, 20), _summary_row("Booth", "darts-admm", 0, 0.0105, 10),
        _summary_row("Sphere", "swat", 0, 0.01, 10), _summary_row("Sphere", "darts-admm", 0, 0.02, 30),
        _summary_row("Matyas", "swat", 0, 0.01, 10), _summary_row("Matyas", "darts-admm", 0, 0.0095, 30),
        # Equal size: Booth's swat-untrained (30) larger than swat (20), cut to 20: 2x worse.
        _summary_row("Booth", "swat-untrained", 0, 0.01, 30),
        _summary_row("Booth", "swat-untrained-sized", 0, 0.02, 20),
        # Sphere: equal sizes (10), swat-untrained 2x more accurate: it wins, and its MSE is lower.
        _summary_row("Sphere", "swat-untrained", 0, 0.005, 10),
        # Matyas: swat-untrained smaller, within 1.1x: a rival win; swat-sized misses: left out.
        _summary_row("Matyas", "swat-untrained", 0, 0.0105, 5),
        # Descent: three pairs, one untrained constant, two both pretrained constant and not.
        _summary_row("Booth", "swat-descent", 0, 0.01, 10),
        _summary_row("Booth", "swat-descent-untrained", 0, 0.5, 1),
        _summary_row("Sphere", "swat-descent", 0, 0.01, 10),
        _summary_row("Sphere", "swat-descent-untrained", 0, 0.5, 1),
        _summary_row("Matyas", "swat-descent", 0, 0.5, 1),
        _summary_row("Matyas", "swat-descent-untrained", 0, 0.01, 10),
        _summary_row("Beale", "swat-descent", 0, 0.5, 1),
        _summary_row("Beale", "swat-descent-untrained", 0, 0.5, 1),
    ]
    append_results(tmp_path / "results.csv", _full(rows))
    text = write_report(tmp_path).read_text()
    # Rivals: MSE ratios 0.952, 0.5, 1.05; non-zero ratios 2, 1/3, 1/3.
    assert "| `darts-admm` | 3/3 | 2/3 | 0.952 | 0.333 | 0/3 | 1/3 |" in text
    # Sized: pairs Booth (untrained cut) and Sphere (equal); Matyas is missing swat-sized.
    assert "| pairs | 2 | 0 | 1 | 1 |" in text
    assert "| pretrained test MSE more than 1.1x lower | 1 | 0 | 1 | 0 |" in text
    assert "| pretrained test MSE more than 1.1x higher | 1 | 0 | 0 | 1 |" in text
    assert "| pretrained wins (rule above) | 1 | 0 | 1 | 0 |" in text
    assert "| untrained wins (rule above) | 1 | 0 | 0 | 1 |" in text
    # Descent: 4 pairs, 2 where only the untrained descent was constant, 1 the reverse.
    assert "| data sets | 4 |" in text
    assert "| untrained descent ended at the constant network, pretrained not | 2 |" in text
    assert "| pretrained descent ended at the constant network, untrained not | 1 |" in text
    assert "| both constant | 1 |" in text


def test_an_os_error_outside_the_output_folder_gets_no_output_folder_advice(tmp_path, monkeypatch, capsys):
    """A file the run reads (a data file) that cannot be opened is not the output folder: its
    error is not followed by advice about --out."""
    from sklearn_swat.benchmark import __main__ as cli

    data = tmp_path / "data" / "Booth_train_set.csv"
    monkeypatch.setattr(cli, "run_benchmark", _raise(PermissionError(13, "Permission denied", str(data))))
    assert _cornn(tmp_path / "out", "--datasets", "Booth", "--estimators", "mlp") == 2
    assert capsys.readouterr().err == f"error: [Errno 13] Permission denied: {str(data)!r}\n"


def test_report_into_a_folder_it_cannot_write_says_what_to_do(tmp_path, monkeypatch, capsys):
    """report names its own argument, DIR, in the advice, not cornn's --out."""
    from sklearn_swat.benchmark import _report

    (tmp_path / "results.csv").write_text(HAND_MADE)
    figure = str(tmp_path / "mse_vs_nonzero.png")
    monkeypatch.setattr(_report, "_plot_scatter", _raise(PermissionError(13, "Permission denied", figure)))
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: [Errno 13] Permission denied: {figure!r}. The output folder could not")
    assert "or give another DIR." in err and "--out" not in err



def test_output_folder_advice_for_a_folder_given_with_a_tilde(tmp_path, monkeypatch, capsys):
    """report ~/bench: the library reads the folder with "~" expanded, and the advice for a
    folder it cannot write is given as for the full path (it was dropped: the folder was
    compared unexpanded with the error's file name)."""
    from sklearn_swat.benchmark import _report

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "results.csv").write_text(HAND_MADE)
    figure = str(tmp_path / "bench" / "mse_vs_nonzero.png")
    monkeypatch.setattr(_report, "_plot_scatter", _raise(PermissionError(13, "Permission denied", figure)))
    assert main(["report", "~/bench"]) == 2
    assert "The output folder could not be written" in capsys.readouterr().err

def test_cornn_takes_the_quick_variable_when_quick_is_not_given(tmp_path, monkeypatch):
    """Without --quick the command line leaves the choice to SKLEARN_SWAT_BENCHMARK_QUICK, as
    run_benchmark does: 1 fits with the quick settings (and run.json records them)."""
    _mean_estimators(monkeypatch, "mlp")
    for value, quick in (("1", True), ("0", False)):
        monkeypatch.setenv(QUICK_ENV, value)
        out = tmp_path / value
        assert main(["cornn", "--out", str(out), "--no-progress", "--datasets", "Booth",
                     "--estimators", "mlp"]) == 0
        assert json.loads((out / "run.json").read_text())["quick"] is quick


def test_cornn_passes_the_documented_defaults(tmp_path, monkeypatch):
    """Options left out reach run_benchmark as its own defaults: seed 0, its scheduler timeout,
    quick and n_jobs left to it, and a progress bar."""
    from sklearn_swat.benchmark import __main__ as cli
    from sklearn_swat.benchmark._runner import SCHEDULER_TIMEOUT

    calls = []

    def spy(out, **kwargs):
        calls.append(kwargs)
        return type("Run", (), {"failures": []})()

    monkeypatch.setattr(cli, "run_benchmark", spy)
    assert main(["cornn", "--out", str(tmp_path)]) == 0
    (kwargs,) = calls
    assert kwargs["seeds"] == [0] and kwargs["scheduler_timeout"] == SCHEDULER_TIMEOUT
    assert kwargs["quick"] is None and kwargs["n_jobs"] is None and kwargs["progress"] is True
    assert kwargs["datasets"] is None and kwargs["estimators"] is None and kwargs["data_home"] is None


def test_cornn_shows_a_progress_bar_on_stderr_unless_told_not_to(tmp_path, monkeypatch, capsys):
    _mean_estimators(monkeypatch, "mlp")
    assert main(["cornn", "--out", str(tmp_path / "a"), "--quick", "--datasets", "Booth",
                 "--estimators", "mlp"]) == 0
    captured = capsys.readouterr()
    assert "CORNN" in captured.err and "1/1" in captured.err and captured.out == ""
    assert _cornn(tmp_path / "b", "--datasets", "Booth", "--estimators", "mlp") == 0
    assert "1/1" not in capsys.readouterr().err


def test_report_says_what_it_wrote_on_stderr(tmp_path, capsys):
    """The command's messages go to stderr, as cornn's do; stdout stays empty."""
    (tmp_path / "results.csv").write_text(HAND_MADE)
    assert main(["report", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"Wrote {tmp_path / 'report.md'}.\n" and captured.out == ""


def test_report_of_a_results_file_with_a_header_alone_is_refused(tmp_path, capsys):
    """A run that wrote no row yet: nothing to report (exit 2), no empty report written."""
    (tmp_path / "results.csv").write_text(HEADER)
    assert main(["report", str(tmp_path)]) == 2
    assert "has no rows yet: nothing to report" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]


# From a second mutation run of _pruned_mlp.py and _registry.py (a helper): what 77 mutants
# showed untested.


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_active_neurons_are_read_backwards_from_the_output():
    """A first-layer neuron whose weights out feed only neurons that do not reach the output
    does not reach it either: it is not active, though its weights out are non-zero."""
    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (40, 2)), rng.uniform(-1, 1, 40)
    reg = MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2).fit(X, y)
    reg.coefs_[2][:, 0] = [0, 0, 0, 0, 0, 0, 1.0]  # only neuron 7 of layer 2 reaches the output
    reg.coefs_[1][0, :] = [1.0, 0, 0, 0, 0, 0, 0]  # neuron 1 of layer 1 feeds neuron 1 of layer 2 alone
    assert network_size(reg) == (85 - 6 - 6, [6, 1], 2)


def test_network_size_reads_the_last_step_of_a_longer_pipeline():
    """network_size documents a Pipeline ending in a network: the size is its last step's,
    however many transformers come before it."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X = np.random.RandomState(0).uniform(-1, 1, (40, 2))
    net = PrunedMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, polish_iter=0, random_state=0)
    pipe = make_pipeline(StandardScaler(), MinMaxScaler(), net).fit(X, X[:, 0])
    assert network_size(pipe) == network_size(pipe[-1]) == (2 * 3 + 3 + 3 + 1, [3], 1)


@pytest.mark.parametrize("solver, polish_iter", [("lbfgs", 1), ("lm", 3)])
def test_pruned_mlp_polish_is_swats_polish_on_the_rows_random_state_draws(solver, polish_iter):
    """Phase 3 is SWATRegressor's polish of the retrained network: polish_iter iterations (a
    single one too) of the solver asked for, zero biases held at zero, on the 8192 of the 8200
    rows that SWAT's polish draws with the same random_state (3 here, not 0)."""
    from sklearn_swat._network import SparseMLP
    from sklearn_swat._polish import polish, subsample

    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (8200, 2))
    y = np.tanh(2 * X[:, 0]) * X[:, 1]
    params = dict(n_nonzero=15, max_iter=1, retrain_iter=1, random_state=3)
    adam = PrunedMLPRegressor(polish_iter=0, **params).fit(X, y)
    reg = PrunedMLPRegressor(polish_iter=polish_iter, polish_solver=solver, **params).fit(X, y)
    rows = subsample(len(X), 3)
    assert len(rows) == 8192
    network = SparseMLP(adam.coefs_, adam.intercepts_, [["tanh"] * c.shape[1] for c in adam.coefs_[:-1]])
    want = polish(network, X[rows], y[rows], max_iter=polish_iter, zero_biases_fixed=True, solver=solver)[0]
    for got, expected in zip(reg.coefs_ + reg.intercepts_, want.coefs + want.intercepts):
        np.testing.assert_array_equal(got, expected)
    assert reg.n_nonzero_ == adam.n_nonzero_


def test_pruned_mlp_params_round_trip_and_fitted_attributes():
    """get_params gives back what was set, clone copies the settings and not the fit, nothing
    fitted exists before fit (NotFittedError, not an error of a missing attribute), and the
    fitted attributes have the documented shapes."""
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    params = dict(hidden_layer_sizes=(4, 3), n_nonzero=12, max_iter=3, retrain_iter=4, pruning_steps=2,
                  batch_size=16, learning_rate=0.02, polish_iter=5, polish_solver="lm", random_state=1)
    reg = PrunedMLPRegressor(**params)
    every = {**PrunedMLPRegressor().get_params(), **params}
    assert reg.get_params() == every
    assert PrunedMLPRegressor().set_params(**params).get_params() == every
    X = np.random.RandomState(0).uniform(-1, 1, (40, 2))
    y = X[:, 0] * X[:, 1]
    for name in ("coefs_", "intercepts_", "loss_curve_", "n_iter_", "n_features_in_"):
        assert not hasattr(reg, name), name
    for name in ("n_nonzero_", "n_active_neurons_", "depth_"):
        with pytest.raises(NotFittedError):
            getattr(reg, name)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    reg.fit(X, y)
    assert [c.shape for c in reg.coefs_] == [(2, 4), (4, 3), (3, 1)]
    assert [b.shape for b in reg.intercepts_] == [(4,), (3,), (1,)]
    assert (reg.n_features_in_, reg.depth_, reg.n_iter_, len(reg.loss_curve_)) == (2, 2, 7, 7)
    assert reg.n_nonzero_ <= 12 and len(reg.n_active_neurons_) == 2
    copy = clone(reg)
    assert copy.get_params() == every and not hasattr(copy, "coefs_")
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), reg.predict(X))


def test_pruned_mlp_predict_checks_the_features_seen_in_fit():
    """predict refuses another number of columns, or other column names, as scikit-learn's
    estimators do, instead of a numpy shape error or a silent mix-up."""
    pd = pytest.importorskip("pandas")
    X = np.random.RandomState(0).uniform(-1, 1, (30, 2))
    cheap = _CHEAP_PRUNED
    reg = PrunedMLPRegressor(**cheap).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="X has 3 features, but PrunedMLPRegressor is expecting 2"):
        reg.predict(np.c_[X, X[:, 0]])
    named = PrunedMLPRegressor(**cheap).fit(pd.DataFrame(X, columns=["a", "b"]), X[:, 0])
    with pytest.raises(ValueError, match="feature names should match"):
        named.predict(pd.DataFrame(X, columns=["b", "a"]))


def test_pruned_mlp_takes_one_target_column():
    """y is one target: a column vector fits as the 1-D y (with scikit-learn's warning), two
    columns are refused rather than flattened into one."""
    from sklearn.exceptions import DataConversionWarning

    X = np.random.RandomState(0).uniform(-1, 1, (30, 2))
    y = X[:, 0] * X[:, 1]
    cheap = _CHEAP_PRUNED
    with pytest.warns(DataConversionWarning):
        column = PrunedMLPRegressor(**cheap).fit(X, y[:, None])
    np.testing.assert_array_equal(column.predict(X), PrunedMLPRegressor(**cheap).fit(X, y).predict(X))
    with pytest.raises(ValueError, match="y should be a 1d array"):
        PrunedMLPRegressor(**cheap).fit(X, np.c_[y, y])


@pytest.mark.parametrize("param", ["n_nonzero", "max_iter", "pruning_steps", "batch_size"])
def test_pruned_mlp_refuses_zero_where_one_is_the_least(param):
    """No non-zero parameter, no dense epoch, no pruning step or an empty batch are refused by
    name before any training (retrain_iter=0 and polish_iter=0 are allowed, tested above)."""
    X = np.random.RandomState(0).uniform(-1, 1, (20, 2))
    with pytest.raises(ValueError, match=f"The '{param}' parameter of PrunedMLPRegressor"):
        PrunedMLPRegressor(**{param: 0}).fit(X, X[:, 0])


def test_pruned_mlp_takes_float32s_largest_value():
    """The range check refuses only what float32 cannot hold: an input at float32's largest
    value fits (tanh saturates), the next float64 above it is refused."""
    X = np.random.RandomState(0).uniform(-1, 1, (30, 2))
    y = X[:, 0] * X[:, 1]
    cheap = _CHEAP_PRUNED
    largest = float(np.finfo(np.float32).max)
    X[0, 0] = largest
    assert np.isfinite(PrunedMLPRegressor(**cheap).fit(X, y).predict(X)).all()
    X[0, 0] = np.nextafter(largest, np.inf)
    with pytest.raises(ValueError, match="X holds values beyond float32's range"):
        PrunedMLPRegressor(**cheap).fit(X, y)


def test_registry_entries_hold_exactly_their_documented_settings():
    """Each name builds the estimator its description defines and nothing else: every other
    parameter at its default, the seed as random_state, one job (the runner parallelises the
    fits). swat-paper is the pure latent descent (random starts, all activations, no refinement,
    polish or pruning) chosen by training MSE with the default tolerance; swat-untrained is swat
    with an untrained autoencoder of auto's config; mlp is MLPRegressor((7, 7), max_iter=2000);
    the plain MLPs have their inputs scaled to [-1, 1]; darts-admm-depths tries depths 1 to 4 of
    width 7 with DARTSADMMRegressor's defaults."""
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_swat.benchmark._darts_depths import DARTSDepthsRegressor

    seed, target = 5, 9
    common = dict(random_state=seed, n_jobs=1)
    untrained = dict(autoencoder="untrained:auto")
    descent = dict(polish_iter=0, prune=False)
    expected = {
        "swat": SWATRegressor(**common),
        "swat-paper": SWATRegressor(init="random", activations="all", refine_iter=0, polish_iter=0,
                                    prune=False, selection="train", **common),
        "swat-tanh": SWATRegressor(activations="tanh", **common),
        "swat-untrained": SWATRegressor(**untrained, **common),
        "swat-sized": SWATRegressor(max_nonzero=target, **common),
        "swat-untrained-sized": SWATRegressor(max_nonzero=target, **untrained, **common),
        "swat-descent": SWATRegressor(**descent, **common),
        "swat-descent-untrained": SWATRegressor(**descent, **untrained, **common),
        "darts-admm": DARTSADMMRegressor(**common),
        "darts-admm-depths": DARTSDepthsRegressor(random_state=seed),
        "mlp": MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000, random_state=seed),
        "pruned-mlp": PrunedMLPRegressor(hidden_layer_sizes=(7, 7), n_nonzero=target, random_state=seed),
    }
    assert list(expected) == estimator_names()
    assert expected["swat-paper"].selection_tolerance == 0.2  # as its description says
    for name, want in expected.items():
        built = make_estimator(name, seed=seed, target_n_nonzero=target)
        if name in ("mlp", "pruned-mlp"):
            assert len(built) == 2 and isinstance(built[0], MinMaxScaler), name
            assert built[0].get_params() == MinMaxScaler(feature_range=(-1, 1)).get_params()
            built = built[-1]
        assert type(built) is type(want), name
        assert built.get_params() == want.get_params(), name


def test_sized_estimators_take_their_documented_reference():
    """pruned-mlp and swat-untrained-sized are sized from swat's row, swat-sized from
    swat-untrained's; no other estimator needs one."""
    references = {name: spec.reference for name, spec in ESTIMATORS.items() if spec.reference is not None}
    assert references == {
        "swat-sized": "swat-untrained", "swat-untrained-sized": "swat", "pruned-mlp": "swat"}


def test_unknown_names_are_each_named_with_all_their_close_matches(tmp_path):
    """Every unknown name of a list is reported, each with all its close matches (up to three,
    joined by "or"), before the list of valid names."""
    with pytest.raises(BenchmarkError) as info:
        run_benchmark(tmp_path / "out", datasets=["Booth"], estimators=["swat-untrain", "swat", "mlpp"],
                      quick=True, progress=False)
    message = str(info.value)
    assert message.startswith("unknown estimator 'swat-untrain' (did you mean 'swat-untrained' or ")
    assert message.count(" or ") == 2  # three close matches: 'swat-tanh' and 'swat-untrained-sized' too
    assert "; unknown estimator 'mlpp' (did you mean 'mlp'?). Valid estimator names (12): 'swat', " in message
    assert not (tmp_path / "out").exists()


def test_pruned_mlp_prunes_in_geometric_steps_down_to_n_nonzero(monkeypatch):
    """The pruning_steps sizes fall geometrically from the dense count to n_nonzero (85 ->
    52 -> 32 -> 20 in three steps, not 63 -> 42 -> 20); one step prunes straight to n_nonzero."""
    from sklearn_swat.benchmark import _pruned_mlp

    targets = []
    prune_to = _pruned_mlp._prune_to

    def recorded(module, target):
        targets.append(target)
        prune_to(module, target)

    monkeypatch.setattr(_pruned_mlp, "_prune_to", recorded)
    X = np.random.RandomState(0).uniform(-1, 1, (60, 2))
    y = X[:, 0] * X[:, 1]
    cheap = dict(n_nonzero=20, max_iter=2, retrain_iter=3, polish_iter=0, random_state=0)
    reg = PrunedMLPRegressor(pruning_steps=3, **cheap).fit(X, y)
    assert targets == [52, 32, 20] and reg.n_nonzero_ <= 20
    targets.clear()
    PrunedMLPRegressor(pruning_steps=1, **cheap).fit(X, y)
    assert targets == [20]
