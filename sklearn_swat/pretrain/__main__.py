"""Command line of the pretraining: ``python -m sklearn_swat.pretrain {train,export,evaluate,report}``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from .._autoencoder import AutoencoderConfig
from ._train import PRESETS, RESUME_FREE, TrainSettings, _read_state, load_run_settings, load_training_state

_FREE = ", ".join("--" + name.replace("_", "-") for name in RESUME_FREE)


def _boolean(text: str) -> bool:
    """An option's true/false value; anything else is an argument error."""
    value = text.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, yes/no or 1/0; got {text!r}")


def _positive_int(text: str) -> int:
    """A whole number of at least 1, or an argument error."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1; got {text!r}")
    return value


def _positive_float(text: str) -> float:
    """A number greater than 0, or an argument error."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number greater than 0; got {text!r}")
    return value


def _folder(text: str) -> str:
    """A folder's path, or an argument error for an empty one (which would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a folder, such as runs/cornn")
    return text


def _add_dataclass_options(parser: argparse.ArgumentParser, cls, skip=(), presets=None) -> None:
    """One option per field of ``cls``; a default the ``presets`` set is named per preset."""
    for f in fields(cls):
        if f.name in skip:
            continue
        flag = "--" + f.name.replace("_", "-")
        values = {name: getattr(config, f.name) for name, config in (presets or {}).items()}
        if len(set(values.values())) > 1:
            default = "the preset's: " + ", ".join(f"{v} for {name}" for name, v in sorted(values.items()))
        else:
            default = f"{f.default}"
        if f.type in ("bool", bool):
            parser.add_argument(flag, type=_boolean, default=None, metavar="{true,false}",
                                help=f"{f.name} (true/false; default {default})")
        else:
            typ = type(f.default) if isinstance(f.default, (float, str)) else int
            parser.add_argument(flag, type=typ, default=None, help=f"default {default}")


def _pick(args, cls, base: dict) -> dict:
    """``base`` with the options of ``cls`` given on the command line."""
    out = dict(base)
    for f in fields(cls):
        v = getattr(args, f.name, None)
        if v is not None:
            out[f.name] = v
    return out


def _train(args, parser: argparse.ArgumentParser) -> int:
    from ._train import train

    # A resumed run takes the options left out from its saved run (train checks those given).
    saved = load_run_settings(args.workdir) if args.resume else None
    if saved is not None and args.preset is None:
        base_config = saved[0]
    else:
        base_config = PRESETS[args.preset or "cornn"]
    if args.steps is not None and args.steps < 1:  # the library's 0 (no step) writes nothing here
        parser.error(f"steps must be at least 1; got {args.steps}.")
    if args.resume and args.init_from is not None and saved is not None:
        # "The same command with --resume" of a run that started from other weights:
        # it goes on from its own state.pt. A run that did not start so is another run.
        started_from = _read_state(Path(args.workdir) / "state.pt")["log"].get("init_from") or []
        if not started_from:
            parser.error(f"--init-from starts a new run from other weights, but the run in {args.workdir} "
                         "did not start from any; a resumed run (--resume) goes on from its own state.pt. "
                         "Leave out --init-from.")
        print(f"note: --init-from {args.init_from} is not read again: the run in {args.workdir} goes on "
              f"from its own state.pt (it started from {started_from[-1]}).", file=sys.stderr, flush=True)
        args.init_from = None
    try:
        config = AutoencoderConfig.from_dict(_pick(args, AutoencoderConfig, base_config.to_dict()))
    except ValueError as err:
        parser.error(str(err))
    if saved is not None and args.preset is not None and config != saved[0]:
        differ = ", ".join(f"--{k.replace('_', '-')} (saved {v}, now {getattr(config, k)})"
                           for k, v in saved[0].to_dict().items() if getattr(config, k) != v)
        parser.error(f"--preset {args.preset} gives other sizes than the run in {args.workdir}: {differ}. "
                     "Leave out --preset: a resumed run keeps its own sizes.")
    try:
        settings = TrainSettings(**_pick(args, TrainSettings, saved[1] if saved is not None else {}))
    except ValueError as err:
        if saved is not None and args.device is None and "device" in str(err):
            err = (f"{err} The device is the saved run's ({saved[1].get('device')}): pass --device cpu "
                   "to go on here.")
        parser.error(str(err))
    train(config, settings, args.workdir, resume=args.resume,
          progress=not args.no_progress, max_minutes=args.max_minutes,
          init_from=args.init_from)
    step = load_training_state(args.workdir)[1]["step"]
    if step < settings.steps:
        print(f"Stopped after --max-minutes at step {step} of {settings.steps}; the checkpoint "
              f"{Path(args.workdir) / 'state.pt'} is kept: run the same command with --resume to "
              "continue.", file=sys.stderr, flush=True)
    else:
        print(f"Trained to step {step}; the state is {Path(args.workdir) / 'state.pt'}. Export it with: "
              f"python -m sklearn_swat.pretrain export --workdir {args.workdir} --name NAME --out DIR",
              file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 2 on bad input (an argument, a missing, corrupt or
        existing file, a resumed run of other settings), 130 when interrupted.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_swat.pretrain",
        description="Pretrain the autoencoder of SWATRegressor's latent space: train it on the random "
                    "zoo, export a checkpoint, evaluate one, or write the pretraining page of the "
                    "bundled checkpoints.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = train_parser = sub.add_parser("train", help="train an autoencoder on the random zoo")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="base config (default cornn; with --resume, the run's own); any size option "
                        "below overrides it")
    p.add_argument("--workdir", required=True, type=_folder,
                   help="folder for state.pt (checkpoints) and logs")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --workdir; options left out take its saved values, and "
                        f"those given must equal them, except {_FREE} and --max-minutes")
    p.add_argument("--max-minutes", type=_positive_float, default=None,
                   help="stop after this many minutes (after a checkpoint); resume later")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--init-from", default=None,
                   help="start from these weights (a training folder, a checkpoint name or path; a "
                        "bundled checkpoint's name means it even where a folder of that name is here: "
                        "./NAME for the folder) with a fresh optimizer and schedule; use another --seed "
                        "than their run")
    _add_dataclass_options(p, AutoencoderConfig, presets=PRESETS)
    _add_dataclass_options(p, TrainSettings)

    p = sub.add_parser("export", help="write a training state as a package checkpoint")
    p.add_argument("--workdir", required=True, type=_folder)
    p.add_argument("--name", required=True, help="checkpoint name, a plain file name such as cornn")
    p.add_argument("--out", default=None,
                   help="folder (default: the package's weights/, in a source checkout only; an "
                        "installed package needs --out)")
    p.add_argument("--n-networks", type=_positive_int, default=1000,
                   help="zoo networks for the quality figures stored with it")

    p = sub.add_parser("evaluate", help="print an autoencoder's quality figures")
    p.add_argument("--checkpoint", default="cornn", help="a bundled name or a path")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--n-networks", type=_positive_int, default=1000)

    p = sub.add_parser("report", help="evaluate the bundled checkpoints; write docs/pretraining.md "
                                      "and the loss curves")
    p.add_argument("--out", default="docs",
                   help="docs folder (default: docs, under the current folder); its pretraining.md and "
                        "_static/pretraining_loss.png are written over")
    p.add_argument("--n-networks", type=_positive_int, default=1000)

    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if args.command == "train":
            return _train(args, train_parser)
        if args.command == "export":
            from ._report import export

            path = export(args.workdir, args.name, args.out, n_networks=args.n_networks,
                          warn=lambda message: log(f"warning: {message}"))
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
        from ._report import write_report

        print(f"wrote {write_report(args.out, n_networks=args.n_networks)}")
        return 0
    except (ValueError, OSError) as exc:  # CheckpointError is a ValueError
        log(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        if args.command != "train":
            log("Interrupted.")
        elif (Path(args.workdir) / "state.pt").is_file():
            log(f"Interrupted: the last checkpoint, {Path(args.workdir) / 'state.pt'}, is kept; run the "
                "same command with --resume to continue from it.")
        else:
            log("Interrupted before the first checkpoint: nothing to resume; run the same command "
                "again to start over.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
