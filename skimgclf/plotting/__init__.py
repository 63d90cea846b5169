"""Figures of a fitted classifier, as scikit-learn Displays.

Each Display computes in its class methods (``from_estimator``, ``from_predictions``, ...), draws
with ``plot(ax=None, ...)``, returns itself and keeps its artists as attributes (``ax_``,
``figure_``, ``im_``, ``lines_``, ``bars_``...), as :class:`sklearn.metrics.ConfusionMatrixDisplay`
does:

- :class:`ConfusionMatrixDisplay`: scikit-learn's, with readable ticks for many or long names;
- :class:`LossCurveDisplay`: loss and accuracy per epoch of a network;
- :class:`ConvKernelDisplay`: the kernels of a convolution;
- :class:`WorstPredictionsDisplay`: the images with the highest log-loss;
- :class:`PerClassMetricsDisplay`: per-class precision, recall, F1, ... as bars.

The ``plot_*`` functions are one-call shortcuts that return the Axes. Without ``ax=`` a Display
opens a new pyplot figure sized for what it draws; with one (of any Figure, including one built
without pyplot) it draws there. Nothing here calls ``plt.show`` or selects a backend, and
matplotlib is imported only when something is drawn.
"""

from ..inspection import conv_kernels, history_curves  # noqa: F401  (their home until 0.1)
from ._confusion_matrix import ConfusionMatrixDisplay, plot_confusion_matrix
from ._conv_kernels import ConvKernelDisplay, plot_conv_kernels
from ._loss_curves import LossCurveDisplay, plot_learning_curves, plot_loss_curves
from ._per_class import PerClassMetricsDisplay, plot_per_class
from ._worst_predictions import (
    WorstPredictionsDisplay,
    plot_worst_predictions,
    worst_predictions,
)

__all__ = [
    "ConfusionMatrixDisplay",
    "ConvKernelDisplay",
    "LossCurveDisplay",
    "PerClassMetricsDisplay",
    "WorstPredictionsDisplay",
    "plot_confusion_matrix",
    "plot_conv_kernels",
    "plot_learning_curves",
    "plot_loss_curves",
    "plot_per_class",
    "plot_worst_predictions",
    "worst_predictions",
]
