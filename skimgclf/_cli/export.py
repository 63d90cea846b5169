"""``skimgclf export``: write a saved model in another format (ONNX)."""

from __future__ import annotations

import os
from pathlib import Path

from . import _models
from ._errors import UserError
from ._parser import STYLE, add_quiet, int_at_least


def add_parser(subparsers, parents=()):
    export = subparsers.add_parser(
        "export", parents=list(parents),
        help="write a saved network as an ONNX graph",
        description="Write a saved model as one ONNX graph (skimgclf.export.export_onnx): raw "
        "images in; the class probabilities, the predicted column and the predicted label out, "
        "with the preprocessing steps in the graph. A network, alone or at the end of a "
        "Pipeline of tensor steps (Normalizer, numeric BackgroundRemover, StandardScaler, "
        "flatten); a step it cannot compute is named, and nothing is written.",
        **STYLE,
    )
    _models.add_model_file_args(export)
    export.add_argument("--format", choices=["onnx"], default="onnx", help="the file format")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="the file to write (default: the model's name with .onnx)")
    export.add_argument("--input-dtype", choices=["uint8", "float32"], default="uint8",
                        help="dtype of the graph's input: that of the images the model was "
                        "trained on")
    export.add_argument("--opset", type=int_at_least(13), metavar="N",
                        help="the ONNX opset (default: the exporter's)")
    export.add_argument("--no-tta", action="store_true",
                        help="export a network that averages test-time views (tta) on the one "
                        "view the graph computes: its probabilities then differ a little from "
                        "'skimgclf predict'")
    add_quiet(export)
    export.set_defaults(func=run)
    return export


def run(args) -> int:
    output = args.output or str(Path(args.model).with_suffix(".onnx"))
    if os.path.abspath(output) == os.path.abspath(args.model):
        raise UserError(f"-o {output} is the model file itself; give another file name")
    out = _models.output_path(output, "-o", "model.onnx")
    model = _models.load_model(args.model, trust=args.trust)
    _single_view(model, args)
    from ..export import export_onnx  # onnx itself is imported when it runs
    try:  # export_onnx writes whole or not at all: a refused step leaves the previous file
        export_onnx(model, out, opset_version=args.opset, input_dtype=args.input_dtype)
    except ImportError as exc:
        raise UserError(f"export --format onnx needs the package {exc.name or 'onnx'}, which "
                        "is not installed: pip install 'skimgclf[onnx]'") from exc
    if not args.quiet:
        print(f"exported {Path(args.model).name} to {out}")
    return 0


def _single_view(model, args):
    """A network averaging test-time views is exported on one view with --no-tta, and
    refused in the command line's words without it."""
    steps = model.steps if hasattr(model, "steps") else [("", model)]
    views = {name: step.tta for name, step in steps if getattr(step, "tta", None) is not None}
    if not views:
        return
    if not args.no_tta:
        shown = ", ".join(f"tta={tta!r}" for tta in views.values())
        raise UserError(f"{args.model} averages test-time views ({shown}), which one ONNX "
                        "graph does not compute; add --no-tta to export it on single views "
                        "(its probabilities then differ a little from 'skimgclf predict')")
    for name in views:
        model.set_params(**{f"{name}__tta" if name else "tta": None})
