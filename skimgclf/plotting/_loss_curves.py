"""Loss (and accuracy) per epoch of a network, from its training history.

Not "learning curves": in scikit-learn those are scores against the training-set size
(:class:`sklearn.model_selection.LearningCurveDisplay`); these are curves against epochs.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._sklearn_compat import validate_params
from ..exceptions import InputError
from ..inspection import CURVE_KEYS, history_curves
from ._layout import axes_or_new, figure_size, font_points, legend_outside, text_width

__all__ = ["LossCurveDisplay", "plot_learning_curves", "plot_loss_curves"]

#: Legend labels and line styles of the curves.
_LABELS = {
    "train_loss": "train loss",
    "valid_loss": "validation loss",
    "train_acc": "train accuracy",
    "valid_acc": "validation accuracy",
}
_STYLES = {
    "train_loss": {"linestyle": "-", "color": "C0"},
    "valid_loss": {"linestyle": "--", "color": "C1"},
    "train_acc": {"linestyle": ":", "color": "C3"},
    "valid_acc": {"linestyle": ":", "color": "C2"},
}


class LossCurveDisplay:
    """Loss per epoch (left axis) and accuracy per epoch (right axis, when recorded).

    Build it with :meth:`from_estimator` (a fitted network) or :meth:`from_history` (a skorch
    history, a list of epoch dicts or the result of
    :func:`~skimgclf.inspection.history_curves`); the constructor takes the curves themselves.

    Parameters
    ----------
    epoch : array-like of shape (n_epochs,)
        Epoch numbers.
    train_loss, valid_loss : array-like of shape (n_epochs,), default=None
        Training and validation loss per epoch (NaN where not recorded).
    train_acc, valid_acc : array-like of shape (n_epochs,), default=None
        Training and validation accuracy per epoch.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        One line per curve drawn, keyed ``"train_loss"``, ``"valid_loss"``, ``"train_acc"``,
        ``"valid_acc"``.
    ax_ : matplotlib Axes
        The loss axes.
    accuracy_ax_ : matplotlib Axes or None
        Its twin with the accuracy scale, when accuracies are drawn.
    legend_ : matplotlib Legend
        Right of the axes, outside the plotting area.
    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    skimgclf.inspection.history_curves : The curves as arrays.
    sklearn.model_selection.LearningCurveDisplay : Scores against the training-set size.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> history = [{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0, "valid_acc": 0.5},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7, "valid_acc": 0.75}]
    >>> disp = LossCurveDisplay.from_history(history, ax=Figure().subplots())
    >>> sorted(disp.lines_), disp.accuracy_ax_.get_ylabel()
    (['train_loss', 'valid_acc', 'valid_loss'], 'accuracy')
    >>> [text.get_text() for text in disp.legend_.get_texts()]
    ['train loss', 'validation loss', 'validation accuracy']
    """

    def __init__(self, *, epoch, train_loss=None, valid_loss=None, train_acc=None, valid_acc=None):
        self.epoch = np.asarray(epoch)
        if self.epoch.ndim != 1 or len(self.epoch) == 0:
            raise InputError(f"epoch must be a non-empty 1-D array; got shape {self.epoch.shape}")
        given = dict(
            train_loss=train_loss, valid_loss=valid_loss, train_acc=train_acc, valid_acc=valid_acc
        )
        for key, values in given.items():
            if values is not None:
                values = np.asarray(values, dtype=float)
                if values.shape != self.epoch.shape:
                    raise InputError(
                        f"{key} has shape {values.shape} but there are {len(self.epoch)} "
                        "epochs; give one value per epoch (NaN where not recorded)"
                    )
            setattr(self, key, values)
        if all(values is None for values in given.values()):
            raise InputError(
                "no curve to draw: give at least one of train_loss, valid_loss, train_acc, "
                "valid_acc"
            )

    @property
    def curves(self):
        """The recorded curves by key, in drawing order (``"epoch"`` excluded)."""
        return {k: getattr(self, k) for k in CURVE_KEYS if getattr(self, k) is not None}

    def plot(self, ax=None, *, line_kwargs=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure.
        line_kwargs : dict, default=None
            Keyword arguments of ``Axes.plot`` for every curve (``linewidth``, ``marker``...),
            over the defaults (one colour and line style per curve, ``marker="."``).

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``lines_``, ``ax_``, ``accuracy_ax_``, ``legend_`` and
            ``figure_`` set.
        """
        ax, fig = axes_or_new(ax, figure_size("loss_curves"))
        line_kwargs = dict(line_kwargs or {})
        curves = self.curves
        self.lines_ = {}
        for key in ("train_loss", "valid_loss"):
            if key in curves:
                kwargs = {"marker": ".", **_STYLES[key], "label": _LABELS[key], **line_kwargs}
                (self.lines_[key],) = ax.plot(self.epoch, curves[key], **kwargs)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        self.accuracy_ax_ = None
        accuracies = [k for k in ("train_acc", "valid_acc") if k in curves]
        if accuracies:
            right = ax.twinx()
            for key in accuracies:
                kwargs = {"marker": ".", **_STYLES[key], "label": _LABELS[key], **line_kwargs}
                (self.lines_[key],) = right.plot(self.epoch, curves[key], **kwargs)
            right.set_ylabel("accuracy")
            self.accuracy_ax_ = right
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        has_loss = any(k in curves for k in ("train_loss", "valid_loss"))
        ax.set_title(
            ("loss and accuracy" if accuracies and has_loss else "loss" if has_loss else "accuracy")
            + " per epoch"
        )
        handles = list(self.lines_.values())
        self.legend_ = legend_outside(
            ax, handles, [h.get_label() for h in handles], offset_pt=self._twin_width()
        )
        self.ax_, self.figure_ = ax, fig
        return self

    def _twin_width(self):
        """Points taken right of the axes by the accuracy axis' ticks and label."""
        if self.accuracy_ax_ is None:
            return 0.0
        import matplotlib as mpl

        size = font_points(mpl.rcParams["ytick.labelsize"])
        labels = [t.get_text() for t in self.accuracy_ax_.get_yticklabels()] or ["0.00"]
        widest = max(text_width(t, size) for t in labels)
        label = 1.2 * font_points(mpl.rcParams["axes.labelsize"])
        return widest + label + 14.0  # tick length, tick pad and label pad

    @classmethod
    @validate_params(
        {"estimator": "no_validation", "ax": "no_validation", "line_kwargs": [dict, None]},
        prefer_skip_nested_validation=True,
    )
    def from_estimator(cls, estimator, *, ax=None, line_kwargs=None):
        """Plot the curves a fitted network recorded.

        Parameters
        ----------
        estimator : fitted network, Pipeline or search
            A skorch net (``CNNClassifier``, ``TorchMLPClassifier``, ...) or scikit-learn's
            ``MLPClassifier``, or a Pipeline or search ending in one.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure.
        line_kwargs : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : LossCurveDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            When the network was not fitted.
        ValueError
            When the estimator records no curves.
        """
        return cls(**history_curves(estimator)).plot(ax=ax, line_kwargs=line_kwargs)

    @classmethod
    @validate_params(
        {"history": "no_validation", "ax": "no_validation", "line_kwargs": [dict, None]},
        prefer_skip_nested_validation=True,
    )
    def from_history(cls, history, *, ax=None, line_kwargs=None):
        """Plot the curves of a training history.

        Parameters
        ----------
        history : skorch History, list of dict or dict
            A skorch net's ``history``, a list of epoch dicts (``"epoch"``, ``"train_loss"``,
            ``"valid_loss"``, ``"train_acc"``, ``"valid_acc"``), or the dict of
            :func:`~skimgclf.inspection.history_curves`.
        ax : matplotlib Axes, default=None
            Axes to draw on; default: a new figure.
        line_kwargs : dict, default=None
            See :meth:`plot`.

        Returns
        -------
        display : LossCurveDisplay
            The plotted display.

        Raises
        ------
        ValueError
            When the history holds no losses or accuracies.
        """
        if isinstance(history, dict):
            unknown = set(history) - {"epoch", *CURVE_KEYS}
            if "epoch" not in history or unknown:
                raise InputError(
                    "a dict history must hold 'epoch' and curves among "
                    f"{', '.join(CURVE_KEYS)}; got keys {sorted(history)}"
                )
            curves = history
        else:
            curves = history_curves(history)
        return cls(**curves).plot(ax=ax, line_kwargs=line_kwargs)


@validate_params({"source": "no_validation", "ax": "no_validation"},
                 prefer_skip_nested_validation=True)
def plot_loss_curves(source, *, ax=None):
    """Loss per epoch (left axis) and accuracy per epoch (right axis, when recorded).

    A shortcut for :class:`LossCurveDisplay` returning the Axes.

    Parameters
    ----------
    source : estimator, Pipeline, search, history or dict
        A fitted network (see :meth:`LossCurveDisplay.from_estimator`) or a history (see
        :meth:`LossCurveDisplay.from_history`).
    ax : matplotlib Axes, default=None
        Draw here; a new pyplot figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        The loss axes; the accuracy axes is its twin (``ax.right_ax``, None when no accuracy
        was recorded).

    See Also
    --------
    LossCurveDisplay : The display, with its artists.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> history = [{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0, "valid_acc": 0.5},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7, "valid_acc": 0.75}]
    >>> ax = plot_loss_curves(history, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.get_lines()], ax.right_ax.get_ylabel()
    (['train loss', 'validation loss'], 'accuracy')
    """
    if isinstance(source, (dict, list, tuple)):
        display = LossCurveDisplay.from_history(source, ax=ax)
    else:
        display = LossCurveDisplay.from_estimator(source, ax=ax)
    display.ax_.right_ax = display.accuracy_ax_  # the attribute this function always set
    return display.ax_


@validate_params({"source": "no_validation", "ax": "no_validation"},
                 prefer_skip_nested_validation=True)
def plot_learning_curves(source, *, ax=None):
    """Deprecated alias of :func:`plot_loss_curves`.

    .. deprecated:: 0.1
        "Learning curves" in scikit-learn are scores against the training-set size; this
        function draws curves against epochs. Use :func:`plot_loss_curves` or
        :class:`LossCurveDisplay`.

    Parameters
    ----------
    source : estimator, Pipeline, search, history or dict
        See :func:`plot_loss_curves`.
    ax : matplotlib Axes, default=None
        See :func:`plot_loss_curves`.

    Returns
    -------
    matplotlib.axes.Axes
        See :func:`plot_loss_curves`.

    See Also
    --------
    plot_loss_curves : The new name.

    Examples
    --------
    >>> import warnings
    >>> from matplotlib.figure import Figure
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ax = plot_learning_curves([{"epoch": 1, "train_loss": 0.9}], ax=Figure().subplots())
    >>> caught[0].category.__name__, "plot_loss_curves" in str(caught[0].message)
    ('FutureWarning', True)
    """
    warnings.warn(
        "plot_learning_curves is deprecated and will be removed; use plot_loss_curves (or "
        "LossCurveDisplay), which draws the same loss-per-epoch figure",
        FutureWarning,
        stacklevel=2,
    )
    return plot_loss_curves(source, ax=ax)
