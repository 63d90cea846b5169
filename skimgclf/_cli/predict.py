"""``skimgclf predict``: the class of each image file, with the model's probabilities."""

from __future__ import annotations

import csv
import io
import json
import sys

from .._atomic import write_atomically
from . import _models
from ._parser import STYLE, add_quiet, int_at_least

FORMATS = ("table", "csv", "json")


def add_parser(subparsers, parents=()):
    predict = subparsers.add_parser(
        "predict", parents=list(parents),
        help="classify image files, folders or glob patterns with a saved model",
        description="Print one row per image file, in the order given (a folder's files and "
        "a pattern's matches sorted): the file, the predicted class (named as saved with the "
        "model, else its label) and its probability; --top-k K gives the K most probable "
        "classes. Images of another size or colour than the model's are converted to what it "
        "was trained on; each kind of conversion is told on standard error.",
        **STYLE,
    )
    _models.add_model_file_args(predict)
    predict.add_argument("paths", nargs="+", metavar="PATH",
                         help="image files, folders of images, or glob patterns (quoted)")
    predict.add_argument("--top-k", type=int_at_least(1), default=1, metavar="K",
                         help="the K most probable classes of each image")
    predict.add_argument("--format", choices=FORMATS, default="table",
                         help="table (aligned columns), csv or json")
    predict.add_argument("-o", "--output", metavar="FILE",
                         help="write the predictions to FILE (atomically) instead of standard "
                         "output")
    predict.add_argument("-r", "--recursive", action="store_true",
                         help="also the images in sub-folders of the folders given")
    add_quiet(predict)
    predict.set_defaults(func=run)
    return predict


def run(args) -> int:
    from ..datasets import load_images

    out = _models.output_path(args.output, "-o", "predictions.csv") if args.output else None
    model = _models.load_model(args.model, trust=args.trust)
    found = load_images(args.paths, like=model, recursive=args.recursive)
    if not args.quiet:
        for line in found.conversions:
            print(f"skimgclf predict: {line}", file=sys.stderr)
    rows, k = _predictions(model, found.images, found.filenames, args)
    text = _render(rows, k, args.format)
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomically(out, lambda f: f.write(text.encode("utf-8")))
        if not args.quiet:
            print(f"predictions of {len(rows)} images written to {out}", file=sys.stderr)
    return 0


def _predictions(model, images, filenames, args):
    """One row per image: ``(file, [(class name, probability or None), ...])``, the most
    probable first; and the number of pairs per row."""
    import numpy as np

    names = _class_names(model)
    k = args.top_k
    if not hasattr(model, "predict_proba"):
        if k > 1 and not args.quiet:
            print(f"skimgclf predict: note: --top-k {k} needs probabilities, which the "
                  f"{type(model).__name__} of {args.model} does not give; printing the class "
                  "only", file=sys.stderr)
        labels = model.predict(images)
        index = {c: i for i, c in enumerate(np.asarray(model.classes_).tolist())}
        return [(f, [(names[index[label]], None)])
                for f, label in zip(filenames, np.asarray(labels).tolist(), strict=True)], 1
    n_classes = len(model.classes_)
    if k > n_classes:
        if not args.quiet:
            print(f"skimgclf predict: note: --top-k {k} is more than the {n_classes} classes "
                  f"of {args.model}; giving all {n_classes}", file=sys.stderr)
        k = n_classes
    proba = np.asarray(model.predict_proba(images))
    # a stable sort: of equal probabilities, the class first in classes_ comes first
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    rows = [(f, [(names[j], float(p[j])) for j in top])
            for f, p, top in zip(filenames, proba, order, strict=True)]
    return rows, k


def _class_names(model):
    """The name of each class of ``model`` in ``classes_`` order: the names saved with it
    (``class_names_``), else its labels as text."""
    classes = [str(c) for c in getattr(model, "classes_", [])]
    saved = getattr(model, "class_names_", None)
    if saved is not None and len(saved) == len(classes):
        return [str(n) for n in saved]
    return classes


def _columns(k, with_proba):
    names = ["file", "class"] + (["probability"] if with_proba else [])
    for rank in range(2, k + 1):
        names += [f"class_{rank}", f"probability_{rank}"]
    return names


def _cells(row):
    file, pairs = row
    cells = [file]
    for name, p in pairs:
        cells.append(name)
        if p is not None:
            cells.append(p)
    return cells


def _render(rows, k, fmt) -> str:
    with_proba = bool(rows) and rows[0][1][0][1] is not None
    columns = _columns(k, with_proba)
    if fmt == "json":
        records = []
        for file, pairs in rows:
            record = {"file": file, "class": pairs[0][0]}
            if with_proba:
                record["probability"] = round(pairs[0][1], 6)
            if k > 1:
                record["top_k"] = [{"class": n, "probability": round(p, 6)} for n, p in pairs]
            records.append(record)
        # a list, one image per line: valid JSON that reads (and greps) line by line
        return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([f"{c:.6f}" if isinstance(c, float) else c for c in _cells(row)])
        return buffer.getvalue()
    table = [columns] + [[f"{c:.4f}" if isinstance(c, float) else c for c in _cells(row)]
                         for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    numeric = [c.startswith("probability") for c in columns]
    lines = ["  ".join(cell.rjust(w) if right else cell.ljust(w)
                       for cell, w, right in zip(line, widths, numeric, strict=True)).rstrip()
             for line in table]
    return "\n".join(lines) + "\n"
