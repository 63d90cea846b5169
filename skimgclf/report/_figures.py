"""The report's figures, composed from the Displays of :mod:`skimgclf.plotting`."""

from __future__ import annotations


def make_figures(report, *, dpi=100) -> dict:
    """One ``matplotlib.figure.Figure`` per figure stem (not registered with pyplot)."""
    from matplotlib.figure import Figure

    from ..plotting import (
        ConfusionMatrixDisplay,
        ConvKernelDisplay,
        LossCurveDisplay,
        PerClassMetricsDisplay,
        WorstPredictionsDisplay,
    )
    from ..plotting._layout import figure_size, longest

    def new(size, layout="constrained"):
        return Figure(figsize=size, dpi=dpi, layout=layout)

    m = report.metrics
    n, length = len(m), longest(m.names)
    figures = {}
    fig = new(figure_size("confusion_matrix", n_classes=n, label_length=length))
    ConfusionMatrixDisplay(m.confusion_matrix, display_labels=m.names).plot(
        ax=fig.subplots(), cmap="Blues"
    )
    figures["confusion_matrix"] = fig
    fig = new(figure_size("per_class", n_classes=n, n_series=3, label_length=length))
    PerClassMetricsDisplay(m).plot(ax=fig.subplots(), columns=("recall", "precision", "f1"))
    figures["per_class"] = fig
    if report.curves is not None:
        fig = new(figure_size("loss_curves"))
        LossCurveDisplay(**report.curves).plot(ax=fig.subplots())
        figures["loss_curves"] = fig
    if report.kernels is not None:
        fig = new(figure_size("conv_kernels"))
        ConvKernelDisplay(report.kernels).plot(ax=fig.subplots())
        figures["conv_kernels"] = fig
    if report.worst is not None:
        worst = report.worst
        k = len(worst["y_true"])
        # the tiles are inset axes: placed by hand, not by a layout engine
        fig = new(figure_size("worst_predictions", n_images=k), layout=None)
        names = dict(zip(m.labels.tolist(), m.names, strict=True))
        WorstPredictionsDisplay(
            worst["images"],
            worst["y_true"],
            worst["y_proba"],
            classes=worst["classes"],
            target_names=[names[c] for c in worst["classes"].tolist()],
            channels_first=False,  # kept as (n, H, W, C) by the report
        ).plot(ax=fig.add_axes((0.02, 0.02, 0.96, 0.96)))
        figures["worst_predictions"] = fig
    return figures
