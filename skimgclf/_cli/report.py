"""``skimgclf report``: a Markdown report with figures of a saved model on data."""

from __future__ import annotations

from pathlib import Path

from . import _data, _models
from ._parser import STYLE, add_data_args


def add_parser(subparsers, parents=()):
    report = subparsers.add_parser(
        "report", parents=list(parents),
        help="write a Markdown report with figures for a saved model",
        description="Write report.md and its figures (confusion matrix, per-class metrics, "
        "loss curves, kernels, worst predictions) for a saved model on data, with the classes "
        "named as in 'evaluate'.", **STYLE,
    )
    _models.add_model_file_args(report)
    add_data_args(report, "test", "report on")
    report.add_argument("--out", default="skimgclf-report", help="folder for report.md and figures")
    report.set_defaults(func=run)
    return report


def run(args) -> int:
    from ..report import ModelReport

    _models.output_folder(args.out, "--out")
    model = _models.load_model(args.model, trust=args.trust)
    data = _data.load(args, args.subset, class_names=None, model=model)
    X, y = _data.scored_data(model, data, args)
    names = _data.model_class_names(model, data, args)
    title = f"{Path(args.model).name} on {_data.data_name(args)}"
    shape = data.images.shape[1:] if X.ndim == 2 and data.images.ndim > 2 else None
    report = ModelReport.from_estimator(model, X, y, title=title, target_names=names,
                                        fit_time=getattr(model, "fit_time_", None),
                                        image_shape=shape)
    path = report.save(args.out)
    if not args.quiet:
        print(f"report written to {path}")
    return 0
