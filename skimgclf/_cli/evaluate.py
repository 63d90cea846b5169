"""``skimgclf evaluate``: the accuracy and per-class table of a saved model on data."""

from __future__ import annotations

from . import _data, _models
from ._parser import STYLE, add_data_args


def add_parser(subparsers, parents=()):
    evaluate = subparsers.add_parser(
        "evaluate", parents=list(parents),
        help="score a saved model: accuracy and per-class report",
        description="Print the accuracy and the per-class table of a saved model on data, "
        "with the classes named (--class-names, else the names saved with the model, else the "
        "data's).", **STYLE,
    )
    _models.add_model_file_args(evaluate)
    add_data_args(evaluate, "test", "score on")
    evaluate.set_defaults(func=run)
    return evaluate


def run(args) -> int:
    import numpy as np

    from ..metrics import classification_report

    model = _models.load_model(args.model, trust=args.trust)
    data = _data.load(args, args.subset, class_names=None, model=model)
    X, y = _data.scored_data(model, data, args)
    names = _data.model_class_names(model, data, args)
    y_pred = model.predict(X)
    scores = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    print(f"accuracy {np.mean(y_pred == y):.4f} on {_data.counted(data)} of "
          f"{_data.data_name(args)}")
    if not args.quiet:
        print(classification_report(y, y_pred, y_score=scores, labels=model.classes_,
                                    target_names=names, digits=4))
    return 0
