"""Command line of the benchmark: ``python -m sklearn_swat.benchmark {cornn,report}``."""

from __future__ import annotations

import argparse
import os
import sys

from ..datasets._cornn import DATA_HOME_ENV
from ._registry import ESTIMATORS, BenchmarkError
from ._runner import SCHEDULER_TIMEOUT, run_benchmark


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_swat.benchmark",
        description="Run the CORNN benchmark and write its report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    width = max(map(len, ESTIMATORS)) + 2
    estimators = "\n".join(f"  {name:{width}s}{spec.description}" for name, spec in ESTIMATORS.items())
    p = sub.add_parser(
        "cornn",
        help="fit estimators on the CORNN data sets; append one row per fit to DIR/results.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Fit each estimator on each CORNN data set (and seed) and append one row per fit to "
            "DIR/results.csv. Rows already there are skipped, so an interrupted run resumes "
            "where it stopped."
        ),
        epilog=(
            f"estimators:\n{estimators}\n\n"
            "pruned-mlp, swat-sized and swat-untrained-sized take their size from another "
            "estimator's\nfit on the same data set and seed (swat, swat-untrained); asked for "
            "alone, they fit\nit too and write its row.\n\n"
            "exit status: 0 done, 1 some fits failed (the others are written), 2 bad input or "
            "a file\nthat could not be read or written, 130 interrupted (the rows written are "
            "kept: run\nagain to resume)."
        ),
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (made if missing)")
    p.add_argument("--datasets", nargs="+", action="extend", metavar="NAME",
                   help="CORNN function names, e.g. Booth 'Ackley N.2' (default: all 54)")
    p.add_argument("--estimators", nargs="+", action="extend", metavar="NAME",
                   help=f"estimator names (default: all): {', '.join(ESTIMATORS)}")
    p.add_argument("--seeds", nargs="+", action="extend", type=int, metavar="SEED",
                   help="random_state of the fits, one row per seed (default: 0)")
    from_env = os.environ.get(DATA_HOME_ENV)
    data_home_default = (
        f"${DATA_HOME_ENV}, now {from_env!r}" if from_env
        else f"${DATA_HOME_ENV} if set, else generate the data"
    )
    p.add_argument("--data-home", metavar="PATH",
                   help="folder of the published CORNN CSV files (default: "
                        + data_home_default.replace("%", "%%") + ")")
    p.add_argument("--n-jobs", type=int, metavar="N",
                   help="fits run at once, each on one torch thread; negative counts back "
                        "from the cores (-1: all) (default: 1, or all worker threads with "
                        "--scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="dask distributed scheduler (tcp://host:8786): run the fits on its workers")
    p.add_argument("--scheduler-timeout", type=float, default=SCHEDULER_TIMEOUT, metavar="SECONDS",
                   help=f"seconds to wait for the scheduler and a worker (default: {SCHEDULER_TIMEOUT:g})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    # Tiny estimator settings for the test suite; the numbers mean nothing.
    p.add_argument("--quick", action="store_true", default=None, help=argparse.SUPPRESS)

    p = sub.add_parser("report", help="write DIR/report.md and its figures from DIR/results.csv")
    p.add_argument("dir", metavar="DIR", help="the folder given to `cornn --out`")
    return parser


def _output_hint(exc: Exception, args: argparse.Namespace) -> str:
    """What to do when the error is a file of the output folder that could not be written."""
    filename = getattr(exc, "filename", None)
    if not isinstance(exc, OSError) or not isinstance(filename, (str, os.PathLike)):
        return ""
    # The folder as the library reads it: "~" expanded (the error's file name already is).
    folder = os.path.abspath(os.path.expanduser(args.out if args.command == "cornn" else args.dir))
    path = os.path.abspath(filename)
    if os.path.commonpath([folder, path]) != folder:
        return ""  # not the output folder: a data file, say, whose error says what to do
    option = "--out" if args.command == "cornn" else "DIR"
    return (
        ("" if str(exc).endswith(".") else ".")
        + " The output folder could not be written: check that it is a folder you may write to, "
        f"with free space, or give another {option}. Rows written before the error are kept."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 1 when some fits failed, 2 on bad input, 130 when
        interrupted.
    """
    args = _parser().parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if args.command == "cornn":
            run = run_benchmark(
                args.out,
                datasets=args.datasets,
                estimators=args.estimators,
                seeds=args.seeds if args.seeds is not None else [0],
                data_home=args.data_home,
                n_jobs=args.n_jobs,
                scheduler=args.scheduler,
                scheduler_timeout=args.scheduler_timeout,
                quick=args.quick,
                progress=not args.no_progress,
                log=log,
            )
            for dataset, estimator, seed, error in run.failures:
                log(f"\nFailed: {dataset} / {estimator} / seed {seed}\n{error.rstrip()}")
            return 1 if run.failures else 0
        from ._report import write_report

        path = write_report(args.dir)
        log(f"Wrote {path}.")
        return 0
    # OSError: a missing data file, no permission, a read-only or full disk.
    except (BenchmarkError, OSError) as exc:
        log(f"error: {exc}{_output_hint(exc, args)}")
        return 2
    except KeyboardInterrupt:
        log("Interrupted: the rows written so far are kept; run the same command again to resume.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
