"""Markdown rendering of a :class:`~skimgclf.report.ModelReport` (text only, no computation)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from .._markdown import markdown_table
from ..inspection import CURVE_KEYS
from ..metrics import top_classes

_CURVE_HEADERS = {
    "train_loss": "train loss",
    "valid_loss": "validation loss",
    "train_acc": "train accuracy",
    "valid_acc": "validation accuracy",
}


def render_markdown(report, *, figures=None, digits=3) -> str:
    """The report as Markdown; ``figures`` maps figure stems to the file names to link."""
    figures = figures or {}
    m = report.metrics
    out = [f"# {report.title}", "", "## Summary", ""]
    out += [
        f"- Estimator: `{report.estimator_name}`",
        f"- Test samples: {len(report.y_true)}; classes: {len(m)}",
        f"- Overall accuracy (fraction correct): {m.accuracy_overall:.{digits}f}",
        f"- Fit time: {_seconds(report.fit_time)} ({report.fit_time_source})",
        f"- Prediction time on the test set: {_seconds(report.elapsed)}",
        "- random_state: "
        + (
            ", ".join(f"`{k}={v}`" for k, v in report.random_state.items())
            if report.random_state
            else "none set (results are not reproducible run to run)"
        ),
    ]
    out += ["", "## Per-class metrics", ""]
    out += [
        dataclasses.replace(m, averages={}).to_markdown(digits).rstrip(),
        "",
        "Read one-vs-rest for each class (TP: its samples predicted as it, FP: other samples "
        "predicted as it, FN: its samples predicted as another class, TN: the rest, N: all "
        "samples):",
        "",
        *_definitions(m),
    ]
    if report.never_predicted:
        out += [
            "",
            "Never predicted (precision undefined, shown as the zero_division value): "
            + ", ".join(report.never_predicted),
        ]
    out += ["", "## Averages", "", _averages(m, digits)]
    out += ["", f"Overall accuracy (fraction correct): {m.accuracy_overall:.{digits}f}"]
    k = min(report.top_k, len(m))
    out += ["", "## Best and worst classes", ""]
    out += [f"### Best {k} by aggregate", "", top_classes(m, k).to_markdown(digits).rstrip()]
    out += ["", f"### Worst {k} by aggregate", ""]
    out.append(top_classes(m, k, worst=True).to_markdown(digits).rstrip())
    out += ["", "## Most confused pairs", "", _confused(m, digits)]
    out += ["", "## Confusion matrix", ""]
    out += _figure_link(figures, "confusion_matrix", "confusion matrix")
    if len(m) <= 12:
        out += ["Rows are true classes, columns predicted classes.", "", _matrix(m)]
    if "per_class" in figures:
        out += ["", "Per-class recall, precision and F1:", ""]
        out += _figure_link(figures, "per_class", "per-class metrics")
    if report.curves is not None:
        out += ["", "## Loss curves", ""]
        out += _figure_link(figures, "loss_curves", "loss and accuracy per epoch")
        out += _curves(report.curves, digits)
    out += ["", "## Model complexity", "", _complexity(report)]
    if report.kernels is not None and "conv_kernels" in figures:
        out += ["", "## First-layer kernels", ""]
        out += _figure_link(figures, "conv_kernels", "first-layer kernels")
    if report.worst is not None and "worst_predictions" in figures:
        out += ["", "## Worst predictions", ""]
        out.append(
            f"The {len(report.worst['y_true'])} test images with the highest log-loss "
            "(true / predicted label, probability given to the true class):"
        )
        unknown = _unknown_classes(m, report.worst["classes"])
        if unknown:
            out += [
                "",
                f"Samples of classes the model does not know ({', '.join(unknown)}) are left "
                "out: it gives them no probability, hence no log-loss.",
            ]
        out.append("")
        out += _figure_link(figures, "worst_predictions", "worst predictions")
    out += ["", "## Environment", ""]
    out.append(markdown_table(["library", "version"], report.versions.items(), align="ll"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)) + "\n"  # one blank line between blocks


def _definitions(m):
    """One line per column of the table, from its entry of ``METRIC_COLUMNS``."""
    return [f"- **{c.label}**: {c.description}." for c in m.metric_columns]


def _unknown_classes(m, model_classes):
    """Names of the classes of the table that are not among the model's classes."""
    known = set(np.asarray(model_classes).tolist())
    return [name for label, name in zip(m.labels.tolist(), m.names, strict=True)
            if label not in known]


def _averages(m, digits):
    # the averaged ratios; a count's average is its total, which the summary already gives
    shown = [c for c in m.metric_columns if c.kind == "ratio"]
    rows = [
        [kind, *(c.format(m.averages[kind][c.name], digits) for c in shown)]
        for kind in ("macro", "weighted")
    ]
    return markdown_table(["average", *(c.label for c in shown)], rows)


def _confused(m, digits):
    pairs = m.most_confused(10)
    if not pairs:
        return "No confusions: every test sample was classified correctly."
    names = dict(zip(m.labels.tolist(), m.names, strict=True))
    rows = [[names[p.true], names[p.predicted], p.count, f"{p.rate:.{digits}f}"] for p in pairs]
    return markdown_table(
        ["true", "predicted", "count", "share of the true class"], rows, align="llrr"
    )


def _matrix(m):
    rows = [[name, *(int(v) for v in row)] for name, row in zip(m.names, m.confusion_matrix,
                                                                 strict=True)]
    return markdown_table(["true \\ predicted", *m.names], rows)


def _curves(curves, digits):
    epochs = curves["epoch"]
    lines = [f"{len(epochs)} epochs recorded.", ""]
    keys = [k for k in CURVE_KEYS if k in curves]
    rows = range(len(epochs))
    if len(epochs) > 12:  # first 3, last 3 and the best validation epoch keep the table short
        best = _best_epoch(curves)
        rows = sorted({0, 1, 2, len(epochs) - 3, len(epochs) - 2, len(epochs) - 1, best})
    table = [[int(epochs[i]), *(_value(curves[k][i], digits) for k in keys)] for i in rows]
    lines.append(
        markdown_table(["epoch", *(_CURVE_HEADERS[k] for k in keys)], table, align="r" * (
            len(keys) + 1))
    )
    if "valid_loss" in curves or "valid_acc" in curves:
        by = "lowest validation loss" if "valid_loss" in curves else "highest validation accuracy"
        lines += ["", f"Best validation epoch ({by}): {int(epochs[_best_epoch(curves)])}."]
    return lines


def _best_epoch(curves):
    if "valid_loss" in curves and not np.isnan(curves["valid_loss"]).all():
        return int(np.nanargmin(curves["valid_loss"]))
    if "valid_acc" in curves and not np.isnan(curves["valid_acc"]).all():
        return int(np.nanargmax(curves["valid_acc"]))
    return len(curves["epoch"]) - 1


def _complexity(report):
    if report.parameters is None:
        return "Parameter count unknown for this estimator."
    shapes = report.output_shapes or {}
    header = ["layer", "type", "parameters (shapes)", "count"]
    align = "lllr"
    if shapes:  # last, so that the first four columns read the same with or without it
        header, align = [*header, "output shape"], align + "l"
    rows = []
    for r in report.parameters:
        row = [r.name, r.kind, r.shapes, f"{r.count:,}"]
        rows.append([*row, shapes.get(r.name) or "?"] if shapes else row)
    total = sum(r.count for r in report.parameters)
    trainable = sum(r.trainable for r in report.parameters)
    rows.append(["**total**", "", "", f"**{total:,}**", *([""] if shapes else [])])
    text = markdown_table(header, rows, align=align)
    if trainable != total:
        text += f"\n\nTrainable: {trainable:,} of {total:,}."
    return text


def _value(value, digits):
    return "nan" if value is None or np.isnan(value) else f"{value:.{digits}f}"


def _seconds(seconds):
    if seconds is None or np.isnan(seconds):
        return "unknown"
    return f"{seconds:.2f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _figure_link(figures, stem, alt):
    return [f"![{alt}]({figures[stem]})", ""] if stem in figures else []
