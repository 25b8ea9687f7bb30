"""Command line of the pretraining: ``python -m sklearn_swat.pretrain {train,export,evaluate,report}``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields

from .._autoencoder import AutoencoderConfig
from ._train import TrainSettings

PRESETS = {
    "cornn": AutoencoderConfig(width=7, max_inputs=2, variable_inputs=False),
    "general": AutoencoderConfig(width=8, max_inputs=8, variable_inputs=True),
}


def _add_dataclass_options(parser: argparse.ArgumentParser, cls, skip=()) -> None:
    for f in fields(cls):
        if f.name in skip:
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=None,
                                help=f"{f.name} (true/false; default {f.default})")
        else:
            typ = type(f.default) if isinstance(f.default, (float, str)) else int
            parser.add_argument(flag, type=typ, default=None, help=f"default {f.default}")


def _pick(args, cls, base=None) -> dict:
    out = dict(base.to_dict()) if base is not None else {}
    for f in fields(cls):
        v = getattr(args, f.name, None)
        if v is not None:
            out[f.name] = v
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sklearn_swat.pretrain", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train an autoencoder on the random zoo")
    p.add_argument("--preset", choices=sorted(PRESETS), default="cornn",
                   help="base config; any size option below overrides it")
    p.add_argument("--workdir", required=True, help="folder for state.pt (checkpoints) and logs")
    p.add_argument("--resume", action="store_true", help="continue the run in --workdir")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop after this many minutes (after a checkpoint); resume later")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--init-from", default=None,
                   help="start from these weights (a training folder, a checkpoint name or path) "
                        "with a fresh optimizer and schedule; use another --seed than their run")
    _add_dataclass_options(p, AutoencoderConfig)
    _add_dataclass_options(p, TrainSettings)

    p = sub.add_parser("export", help="write a training state as a package checkpoint")
    p.add_argument("--workdir", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--out", default=None, help="folder (default: the package's weights/)")
    p.add_argument("--n-networks", type=int, default=1000,
                   help="zoo networks for the quality figures stored with it")

    p = sub.add_parser("evaluate", help="print an autoencoder's quality figures")
    p.add_argument("--checkpoint", default="cornn", help="a bundled name or a path")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--n-networks", type=int, default=1000)

    p = sub.add_parser("report", help="write docs/pretraining.md and the loss curves")
    p.add_argument("--out", default="docs", help="docs folder")
    p.add_argument("--n-networks", type=int, default=1000)

    args = parser.parse_args(argv)
    if args.command == "train":
        from ._train import train

        config = AutoencoderConfig.from_dict(_pick(args, AutoencoderConfig, PRESETS[args.preset]))
        try:
            settings = TrainSettings(**_pick(args, TrainSettings))
        except ValueError as err:
            parser.error(str(err))
        train(config, settings, args.workdir, resume=args.resume,
              progress=not args.no_progress, max_minutes=args.max_minutes,
              init_from=args.init_from)
        return 0
    if args.command == "export":
        from ._report import export

        path = export(args.workdir, args.name, args.out, n_networks=args.n_networks)
        print(f"wrote {path}")
        return 0
    if args.command == "evaluate":
        from ._report import evaluate_checkpoint

        figures = evaluate_checkpoint(args.checkpoint, n_networks=args.n_networks)
        if args.json:
            print(json.dumps(figures, indent=1))
        else:
            for k, v in figures.items():
                print(f"{k:40s} {v}")
        return 0
    if args.command == "report":
        from ._report import write_report

        print(f"wrote {write_report(args.out, n_networks=args.n_networks)}")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
