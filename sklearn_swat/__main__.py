"""Command line: ``python -m sklearn_swat demo``.

The benchmark and the pretraining have their own: ``python -m sklearn_swat.benchmark`` and
``python -m sklearn_swat.pretrain``.
"""

from __future__ import annotations

import argparse
import sys

from ._demo import DEFAULT_FUNCTION, DEFAULT_OUT


def _seed(text: str) -> int:
    """A ``random_state`` for the command line: an integer in 0 .. 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is not in 0 .. 2**32 - 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_swat",
        description="sklearn-swat: small sparse neural networks found in a latent space of networks.",
        epilog="Also: python -m sklearn_swat.benchmark (the CORNN benchmark), "
               "python -m sklearn_swat.pretrain (train the autoencoders).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "demo",
        help="fit SWATRegressor on a CORNN function; print the network; draw it and its surface",
        description=(
            "Fit SWATRegressor (default settings) on one CORNN function, generated from its "
            "closed form (no files needed); print the network's summary, test MSE, non-zero "
            "parameters and fit time; write DIR/network.png and DIR/surface.png."
        ),
    )
    p.add_argument("--function", default=DEFAULT_FUNCTION, metavar="NAME",
                   help=f"CORNN function, e.g. Booth, 'Ackley N.2' (default: {DEFAULT_FUNCTION}); "
                        "names are listed by sklearn_swat.datasets.cornn_names()")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for the two PNG files (default: ./{DEFAULT_OUT})")
    p.add_argument("--random-state", type=_seed, default=0, metavar="N",
                   help="seed of the fit (default: 0)")
    p.add_argument("--quick", action="store_true",
                   help="search far less: a smoke test of the command in seconds (worse network)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 2 on a bad argument or an ``--out`` that cannot be
        written, 130 when interrupted.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo
        from .datasets import cornn_names

        names = cornn_names()
        if args.function not in names:
            from .datasets._cornn import _check_name

            try:
                _check_name(args.function)
            except ValueError as exc:
                parser.exit(2, f"python -m sklearn_swat demo: error: {exc} For example: "
                               f"{', '.join(repr(n) for n in names[4:9])}.\n")
        try:
            run_demo(args.function, args.out, random_state=args.random_state, quick=args.quick)
        except OSError as exc:  # an --out that is a file, a read-only folder, a full disk
            parser.exit(2, f"python -m sklearn_swat demo: error: {exc}. Pass --out a folder "
                           "that can be written.\n")
        except KeyboardInterrupt:
            parser.exit(130, "python -m sklearn_swat demo: interrupted.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
