"""skimgclf.plotting's Displays: compute in the class methods, plot(ax=...) returns self with
its artists, long and many class names stay readable, bad input gets a clear error."""

import numpy as np
import pytest
import sklearn.metrics
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import load_digits_images
from skimgclf.exceptions import InputError, InputTypeError
from skimgclf.metrics import per_class_metrics
from skimgclf.plotting import (
    ConfusionMatrixDisplay,
    ConvKernelDisplay,
    LossCurveDisplay,
    PerClassMetricsDisplay,
    WorstPredictionsDisplay,
    plot_worst_predictions,
    worst_predictions,
)
from skimgclf.plotting._layout import figure_size
from skimgclf.report import ModelReport

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]
LONG47 = [f"handwritten class {i:02d}" for i in range(47)]


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(1):  # small fits on a busy machine: threads only spin
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X[:600] / 255, y[:600]


@pytest.fixture(scope="module")
def logreg(digits):
    X, y = digits
    with threadpool_limits(1):
        return LogisticRegression(max_iter=200).fit(X.reshape(len(X), -1), y)


class TinyConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, 10)

    def forward(self, X):
        return self.fc(torch.relu(self.conv(X)).flatten(1))


@pytest.fixture(scope="module")
def tiny_net(digits):
    X, y = digits
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(
        TinyConvNet, max_epochs=3, lr=0.05, batch_size=128, verbose=0,
        train_split=skorch.dataset.ValidSplit(5, stratified=True),
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return net.fit(X.astype(np.float32).reshape(-1, 1, 8, 8), y)
    finally:
        torch.set_num_threads(threads)


def _axes(size=(4, 4), layout=None):
    fig = Figure(figsize=size, layout=layout)
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _drawn_boxes(fig, texts):
    """Window extents of the visible, non-empty texts, after the figure is laid out and drawn."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]


def _assert_apart(boxes, what):
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert not a.overlaps(b), f"{what}: labels overlap ({a} and {b})"


def _fig_of(kind, **counts):
    fig = Figure(figsize=figure_size(kind, **counts), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


# --- confusion matrix --------------------------------------------------------------------


def test_confusion_matrix_display_is_sklearns_with_artists(logreg, digits):
    X, y = digits
    fig, ax = _axes()
    names = [f"digit {d}" for d in range(10)]
    disp = ConfusionMatrixDisplay.from_estimator(
        logreg, X.reshape(len(X), -1), y, display_labels=names, ax=ax
    )
    assert isinstance(disp, sklearn.metrics.ConfusionMatrixDisplay)
    assert disp.ax_ is ax and disp.figure_ is fig
    cm = sklearn.metrics.confusion_matrix(y, logreg.predict(X.reshape(len(X), -1)))
    assert_array_equal(disp.im_.get_array(), cm)
    assert disp.text_.shape == (10, 10) and disp.text_[0, 0].get_text() == str(cm[0, 0])
    # plot() again on another Axes returns the same display with new artists
    fig2, ax2 = _axes()
    assert disp.plot(ax=ax2, include_values=False, colorbar=False) is disp
    assert disp.ax_ is ax2 and disp.text_ is None


def test_confusion_matrix_normalized_values_and_keyword_arguments():
    fig, ax = _axes()
    disp = ConfusionMatrixDisplay.from_predictions(
        [0, 0, 1, 1], [0, 1, 1, 1], normalize="true", ax=ax, im_kw={"cmap": "Greens"},
        text_kw={"fontsize": 7},
    )
    assert [t.get_text() for t in disp.text_.ravel()] == ["0.50", "0.50", "0.00", "1.00"]
    assert disp.im_.get_cmap().name == "Greens"
    assert disp.text_[0, 0].get_fontsize() == 7


def test_confusion_matrix_values_only_where_they_can_be_read():
    y = np.repeat(np.arange(10), 30)
    tiny = _axes((2, 2))[1]  # cells of about 9 points: "30" would need a 5-point font
    assert ConfusionMatrixDisplay.from_predictions(y, y, ax=tiny).text_ is None
    disp = ConfusionMatrixDisplay.from_predictions(y, y, ax=_axes((5, 5))[1])
    assert disp.text_.shape == (10, 10)
    assert 6 <= disp.text_[0, 0].get_fontsize() <= 10
    forced = ConfusionMatrixDisplay.from_predictions(y, y, ax=_axes((2, 2))[1],
                                                     include_values=True)
    assert forced.text_ is not None


@pytest.fixture(scope="module")
def logreg_01(digits):
    """Fitted on the digits 0 and 1 only: the other eight are classes it does not know."""
    X, y = digits
    flat = X.reshape(len(X), -1)
    with threadpool_limits(1):
        return LogisticRegression(max_iter=200).fit(flat[y < 2], y[y < 2])


def test_confusion_matrix_from_estimator_counts_samples_of_unknown_classes(logreg_01, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    disp = ConfusionMatrixDisplay.from_estimator(logreg_01, flat, y, ax=_axes()[1])
    assert disp.confusion_matrix.sum() == len(y)  # was only the samples of 0 and 1
    assert disp.display_labels.tolist() == list(range(10))
    sk = sklearn.metrics.ConfusionMatrixDisplay.from_estimator(logreg_01, flat, y, ax=_axes()[1])
    assert_array_equal(disp.confusion_matrix, sk.confusion_matrix)
    # unlike scikit-learn's, a class of the model kept even when never predicted nor in y
    clf = DummyClassifier(strategy="most_frequent").fit([[0]] * 3, [0, 0, 1])
    disp = ConfusionMatrixDisplay.from_estimator(clf, [[0]] * 3, [0, 2, 2], ax=_axes()[1])
    assert disp.display_labels.tolist() == [0, 1, 2]
    assert disp.confusion_matrix.tolist() == [[1, 0, 0], [0, 0, 0], [2, 0, 0]]
    with pytest.raises(InputError, match=r"y holds str labels \(e\.g\. '0'\) but "
                       r"estimator\.classes_ holds number labels"):
        ConfusionMatrixDisplay.from_estimator(logreg_01, flat, y.astype(str))


def test_per_class_display_from_estimator_counts_samples_of_unknown_classes(logreg_01, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    disp = PerClassMetricsDisplay.from_estimator(
        logreg_01, flat, y, columns=["recall", "area_ratio"], ax=_axes()[1])
    m = disp.metrics
    assert m.labels.tolist() == list(range(10)) and m["support"].sum() == len(y)
    assert_array_equal(m["support"], np.bincount(y))
    assert_array_equal(m["recall"][2:], 0.0)
    # the model gives no score to a class it does not know: no better than chance
    assert_array_equal(m["area_ratio"][2:], 0.0)
    assert (m["area_ratio"][:2] > 0.5).all()
    assert len(disp.bars_["recall"]) == 10
    svc = LinearSVC().fit(flat[y < 2], y[y < 2])  # binary: 1-D decision_function
    m = PerClassMetricsDisplay.from_estimator(svc, flat, y, columns=["area_ratio"],
                                              ax=_axes()[1]).metrics
    assert m["support"].sum() == len(y) and m["area_ratio"][2:].tolist() == [0.0] * 8


def test_worst_predictions_from_estimator_names_classes_the_model_does_not_know(logreg_01,
                                                                              digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    with pytest.raises(InputError, match=r"y holds classes the model does not know "
                       r"\(\[2, 3, 4, 5, 6, 7, 8, 9\]\); .* keep = np\.isin"):
        WorstPredictionsDisplay.from_estimator(logreg_01, flat, y)
    keep = y < 2
    disp = WorstPredictionsDisplay.from_estimator(logreg_01, flat[keep], y[keep], k=2,
                                                  ax=_axes()[1])
    assert len(disp.axes_) == 2


CM_BAD_INPUT = {
    "str labels= for int data": (
        [0, 1, 1], [0, 1, 0], {"labels": ["0", "1"]},
        r"y_true holds number labels \(e\.g\. 0\) but labels holds str labels",
    ),
    "NaN in y_true": ([0, 1, np.nan], [0, 1, 0], {}, r"y_true holds 1 missing label"),
    "str mixed with int": ([0, 1, "a"], [0, 1, 0], {}, r"y_true mixes str and number labels"),
    "scores as predictions": (
        [0, 1, 1], [0.2, 0.7, 0.1], {}, r"y_pred holds values that are not class labels",
    ),
    "int y_pred for str y_true": (
        ["a", "b"], [0, 1], {}, r"y_true holds str labels .* but y_pred holds number labels",
    ),
    "labels not in y_true": (
        [0, 1, 1], [0, 1, 0], {"labels": [5, 6]}, r"none of labels \[5, 6\] occurs in y_true",
    ),
    "sample_weight too short": (
        [0, 1, 1], [0, 1, 0], {"sample_weight": [1, 2]},
        r"sample_weight has shape \(2,\) but there are 3 samples",
    ),
    "NaN sample_weight": (
        [0, 1, 1], [0, 1, 0], {"sample_weight": [1, np.nan, 1]},
        r"sample_weight holds NaN or infinite weights at index \[1\]",
    ),
    "str sample_weight": (
        [0, 1], [0, 1], {"sample_weight": ["a", "b"]}, r"sample_weight must hold one number",
    ),
}


@pytest.mark.parametrize("y_true, y_pred, kwargs, match", CM_BAD_INPUT.values(), ids=CM_BAD_INPUT)
def test_confusion_matrix_from_predictions_checks_labels_as_the_metrics_do(y_true, y_pred, kwargs,
                                                                          match):
    with pytest.raises(InputError, match=match):
        ConfusionMatrixDisplay.from_predictions(y_true, y_pred, ax=_axes()[1], **kwargs)


def test_confusion_matrix_from_predictions_takes_what_the_metrics_take():
    disp = ConfusionMatrixDisplay.from_predictions(
        [[0.0], [1.0], [1.0]], np.array([0, 1, 0], dtype=object), sample_weight=[1, 2, 3],
        ax=_axes()[1])
    assert disp.confusion_matrix.tolist() == [[1, 0], [3, 2]]


@pytest.mark.parametrize(
    "make",
    [
        lambda X, y: ConfusionMatrixDisplay.from_estimator(object(), X, y),
        lambda X, y: PerClassMetricsDisplay.from_estimator(object(), X, y),
        lambda X, y: WorstPredictionsDisplay.from_estimator(object(), X, y),
        lambda X, y: ModelReport.from_estimator(object(), X, y),
    ],
    ids=["confusion matrix", "per class", "worst predictions", "report"],
)
def test_what_is_not_an_estimator_is_named(make, digits):
    X, y = digits
    with pytest.raises(InputTypeError, match=r"needs a fitted classifier \(an object with "
                       r"predict: .*\); got object"):
        make(X.reshape(len(X), -1), y)


def test_confusion_matrix_bad_input_is_a_clear_error(logreg, digits):
    X, y = digits
    with pytest.raises(ValueError, match="same samples"):
        ConfusionMatrixDisplay.from_predictions([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="display_labels has 2 names but the matrix has 3"):
        ConfusionMatrixDisplay.from_predictions([0, 1, 2], [0, 1, 2], display_labels=["a", "b"])
    with pytest.raises(ValueError, match="square"):
        ConfusionMatrixDisplay(np.zeros((2, 3))).plot(ax=_axes()[1])
    with pytest.raises(NotFittedError):
        ConfusionMatrixDisplay.from_estimator(LogisticRegression(), X, y)
    with pytest.raises(ValueError, match="needs a classifier"):
        ConfusionMatrixDisplay.from_estimator(LinearRegression().fit(X[:, :2], y), X[:, :2], y)
    with pytest.raises(InvalidParameterError, match="normalize"):
        ConfusionMatrixDisplay.from_predictions([0, 1], [0, 1], normalize="rows")


def test_confusion_matrix_cifar_names_rotate_and_do_not_overlap():
    y = np.arange(100) % 10
    fig, ax = _axes((4, 4), layout="constrained")
    disp = ConfusionMatrixDisplay.from_predictions(y, np.roll(y, 3), display_labels=CIFAR10,
                                                   ax=ax)
    labels = disp.ax_.get_xticklabels()
    assert [t.get_text() for t in labels] == CIFAR10  # all ten, none thinned
    assert {t.get_rotation() for t in labels} == {90.0}
    _assert_apart(_drawn_boxes(fig, labels), "x ticks")
    _assert_apart(_drawn_boxes(fig, disp.ax_.get_yticklabels())[::-1], "y ticks")


@pytest.mark.parametrize("size", ["own figure", "small axes"])
def test_confusion_matrix_47_long_names_are_readable(size):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 47, 1000)
    if size == "own figure":
        fig, ax = _fig_of("confusion_matrix", n_classes=47, label_length=len(LONG47[0]))
    else:
        fig, ax = _axes((5, 5), layout="constrained")
    disp = ConfusionMatrixDisplay.from_predictions(
        y, np.roll(y, 1), labels=np.arange(47), display_labels=LONG47, ax=ax
    )
    assert disp.text_ is None  # no values in 47 x 47 cells
    x_labels, y_labels = disp.ax_.get_xticklabels(), disp.ax_.get_yticklabels()
    if size == "own figure":  # the figure grows with the classes: every class is named
        assert len(x_labels) == len(y_labels) == 47
    else:  # thinned to what fits, every class keeps a tick mark
        assert 5 <= len(x_labels) < 47
        axis = disp.ax_.xaxis
        assert len(set(axis.get_majorticklocs()) | set(axis.get_minorticklocs())) == 47
    assert {t.get_rotation() for t in x_labels} == {90.0}
    _assert_apart(_drawn_boxes(fig, x_labels), "x ticks")
    _assert_apart(_drawn_boxes(fig, y_labels)[::-1], "y ticks")


# --- loss curves ---------------------------------------------------------------------------


def test_loss_curve_display_from_estimator_and_pipeline(tiny_net):
    fig, ax = _axes((6, 4), layout="constrained")
    disp = LossCurveDisplay.from_estimator(tiny_net, ax=ax, line_kwargs={"linewidth": 3})
    assert disp.ax_ is ax and disp.figure_ is fig
    assert set(disp.lines_) == {"train_loss", "valid_loss", "valid_acc"}
    assert_allclose(disp.lines_["valid_loss"].get_ydata(), tiny_net.history[:, "valid_loss"])
    assert_allclose(disp.lines_["valid_acc"].get_ydata(), tiny_net.history[:, "valid_acc"])
    assert disp.lines_["valid_acc"].axes is disp.accuracy_ax_
    assert disp.lines_["train_loss"].get_linewidth() == 3
    labels = [t.get_text() for t in disp.legend_.get_texts()]
    assert labels == ["train loss", "validation loss", "validation accuracy"]
    # the legend sits right of the accuracy axis, outside the plotting area and the title
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = disp.legend_.get_window_extent(renderer)
    assert legend.x0 >= disp.accuracy_ax_.get_tightbbox(renderer).x1 - 1
    assert not legend.overlaps(ax.title.get_window_extent(renderer))
    pipe = make_pipeline(FunctionTransformer(), tiny_net)
    again = LossCurveDisplay.from_estimator(pipe, ax=_axes()[1])
    assert_allclose(again.train_loss, tiny_net.history[:, "train_loss"])


def test_loss_curve_display_from_history_and_plot_again():
    history = [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}]
    disp = LossCurveDisplay.from_history(history, ax=_axes()[1])
    assert disp.accuracy_ax_ is None and list(disp.lines_) == ["train_loss"]
    assert disp.ax_.get_title() == "loss per epoch"
    fig, ax = _axes()
    assert disp.plot(ax=ax) is disp and disp.ax_ is ax
    curves = {"epoch": np.arange(1, 4), "valid_acc": np.array([0.5, 0.6, 0.7])}
    assert LossCurveDisplay.from_history(curves, ax=_axes()[1]).ax_.get_title() == (
        "accuracy per epoch"
    )


def test_loss_curve_display_bad_input(logreg):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(skorch.NeuralNetClassifier(TinyConvNet))
    with pytest.raises(ValueError, match="records no training curves"):
        LossCurveDisplay.from_estimator(logreg)
    with pytest.raises(ValueError, match="holds no train_loss"):
        LossCurveDisplay.from_history([{"epoch": 1, "dur": 0.1}])
    with pytest.raises(ValueError, match="one value per epoch"):
        LossCurveDisplay(epoch=[1, 2, 3], train_loss=[1.0, 0.5])
    with pytest.raises(ValueError, match="no curve to draw"):
        LossCurveDisplay(epoch=[1, 2])
    with pytest.raises(ValueError, match="'epoch'"):
        LossCurveDisplay.from_history({"train_loss": [1.0]})


# --- convolution kernels -------------------------------------------------------------------


def test_conv_kernel_display_from_estimator(tiny_net):
    fig, ax = _axes()
    disp = ConvKernelDisplay.from_estimator(tiny_net, ax=ax, im_kw={"interpolation": "bilinear"})
    assert disp.ax_ is ax and disp.figure_ is fig and disp.n_shown_ == 4
    assert_array_equal(disp.kernels, tiny_net.module_.conv.weight.detach().numpy())
    assert disp.im_.get_array().shape == (7, 7)
    assert disp.im_.get_interpolation() == "bilinear"
    assert disp.ax_.get_title().startswith("layer conv: 4 kernels, 1 input channel, 3x3")
    assert disp.plot(ax=_axes()[1], max_kernels=2) is disp and disp.n_shown_ == 2
    assert "first 2 shown" in disp.ax_.get_title()
    deep = torch.nn.Sequential(torch.nn.Conv2d(3, 5, 3), torch.nn.Conv2d(5, 2, 3))
    assert ConvKernelDisplay.from_estimator(deep, layer="1", ax=_axes()[1]).kernels.shape == (
        2, 5, 3, 3
    )


def test_conv_kernel_display_bad_input(logreg):
    with pytest.raises(ValueError, match="has no Conv2d layer"):
        ConvKernelDisplay.from_estimator(torch.nn.Sequential(torch.nn.Linear(3, 2)))
    with pytest.raises(TypeError, match="kernels exist only for convolutional networks"):
        ConvKernelDisplay.from_estimator(logreg)
    with pytest.raises(NotFittedError):
        ConvKernelDisplay.from_estimator(skorch.NeuralNetClassifier(TinyConvNet))
    with pytest.raises(ValueError, match=r"Conv2d layers are \['conv'\]"):
        ConvKernelDisplay.from_estimator(TinyConvNet(), layer="fc")
    with pytest.raises(ValueError, match=r"\(out_channels, in_channels, kh, kw\)"):
        ConvKernelDisplay(np.zeros((4, 3, 3)))
    with pytest.raises(InvalidParameterError, match="max_kernels"):
        ConvKernelDisplay.from_estimator(TinyConvNet(), max_kernels=0)


# --- worst predictions ---------------------------------------------------------------------


def test_worst_predictions_display_from_estimator(logreg, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    names = [f"digit {d}" for d in range(10)]
    fig, ax = _axes((6, 6))
    disp = WorstPredictionsDisplay.from_estimator(logreg, flat, y, k=6, target_names=names,
                                                  ax=ax)
    order, losses = worst_predictions(y, logreg.predict_proba(flat), classes=logreg.classes_,
                                      k=6)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert len(disp.axes_) == len(disp.images_) == 6
    assert_allclose(disp.losses, losses)
    for tile, image, i in zip(disp.axes_, disp.images_, order, strict=True):
        assert_allclose(image.get_array(), X[i].reshape(8, 8))  # flat rows drawn as 8x8 images
        assert tile.get_title().startswith(f"true digit {y[i]}")
    assert disp.plot(ax=_axes()[1], n_cols=3) is disp


def test_worst_predictions_long_names_fit_their_tiles():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (9, 8, 8, 3), dtype=np.uint8)
    y = np.arange(9)
    proba = np.full((9, 10), 0.1)
    fig, ax = _axes((5, 5))
    disp = WorstPredictionsDisplay.from_predictions(
        images, y, proba, target_names=[f"{n} (long name)" for n in CIFAR10], ax=ax
    )
    titles = [tile.title for tile in disp.axes_]
    assert all(t.get_text().count("\n") == 2 for t in titles)  # true / pred / p on own lines
    boxes = _drawn_boxes(fig, titles)
    for i, a in enumerate(boxes):  # no title runs into a neighbour's
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_worst_predictions_bad_input(logreg, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    X = X.reshape(-1, 8, 8)
    with pytest.raises(TypeError, match="predict_proba"):
        WorstPredictionsDisplay.from_estimator(LinearSVC().fit(flat[:100], y[:100]), flat, y)
    with pytest.raises(NotFittedError):
        WorstPredictionsDisplay.from_estimator(LogisticRegression(), flat, y)
    with pytest.raises(ValueError, match=r"y_proba has shape \(3, 2\); expected \(3, 3\)"):
        WorstPredictionsDisplay.from_predictions(X[:3], [0, 1, 2], np.ones((3, 2)) / 2,
                                                 classes=[0, 1, 2])
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        WorstPredictionsDisplay.from_predictions(X[:2], [0, 1], [[2.0, -1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="X has 3 images but y_true has 2"):
        WorstPredictionsDisplay.from_predictions(X[:3], [0, 1], np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="image_shape"):  # 3 features: not a square image
        WorstPredictionsDisplay.from_predictions(np.zeros((2, 3)), [0, 1], np.ones((2, 2)) / 2)
    with pytest.raises(InvalidParameterError, match="'k'"):
        plot_worst_predictions(X[:2], [0, 1], np.ones((2, 2)) / 2, k=0)


def test_worst_predictions_read_4d_images_as_normalizer_does():
    from skimgclf.preprocessing import Normalizer

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (4, 1, 8, 8), dtype=np.uint8)
    proba = rng.dirichlet([1, 1], size=4)
    y = np.array([0, 1, 1, 0])
    # (4, 1, 8, 8): four 8x8 grayscale images to Normalizer (the one image rule), and here
    assert Normalizer().fit(X).image_shape_ == (8, 8, 1)
    disp = WorstPredictionsDisplay.from_predictions(X, y, proba, ax=_axes()[1])
    assert disp.images.shape == (4, 8, 8, 1)
    order, _ = worst_predictions(y, proba)
    for image, i in zip(disp.images_, order, strict=True):
        assert_array_equal(image.get_array(), X[i, 0])
    assert WorstPredictionsDisplay(X, y, proba).images.shape == (4, 8, 8, 1)
    assert plot_worst_predictions(X, y, proba, ax=_axes()[1])[0].images[0].get_array().shape == (
        8, 8)
    # the caller's answer stands: 1x8 images of 8 channels
    assert WorstPredictionsDisplay(X, y, proba, channels_first=False).images.shape == (4, 1, 8, 8)


def test_worst_predictions_from_estimator_read_an_ambiguous_shape_as_it_does():
    from skimgclf.preprocessing import Normalizer

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (30, 3, 4, 4), dtype=np.uint8)  # (n, C, H, W) or (n, H, W, C)?
    y = np.arange(30) % 2
    flatten = FunctionTransformer(lambda a: np.asarray(a).reshape(len(a), -1))
    pipe = make_pipeline(Normalizer(channels_first=True), flatten,
                         LogisticRegression(max_iter=100)).fit(X, y)
    disp = WorstPredictionsDisplay.from_estimator(pipe, X, y, k=3, ax=_axes()[1])
    assert disp.images.shape == (3, 4, 4, 3)  # as the pipeline's first step read them at fit
    order, _ = worst_predictions(y, pipe.predict_proba(X), k=3)
    assert_array_equal(disp.images, np.moveaxis(X[order], 1, 3))
    # a model without an image shape: the rule alone, which reads this shape channels-last
    plain = make_pipeline(flatten, LogisticRegression(max_iter=100)).fit(X, y)
    disp = WorstPredictionsDisplay.from_estimator(plain, X, y, k=3, ax=_axes()[1])
    assert disp.images.shape == (3, 3, 4, 4)


# --- per-class metrics ---------------------------------------------------------------------


def test_per_class_display_from_estimator_predictions_metrics(logreg, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    fig, ax = _axes((7, 4), layout="constrained")
    disp = PerClassMetricsDisplay.from_estimator(
        logreg, flat, y, columns=["f1", "area_ratio"], sort_by="f1", ax=ax
    )
    m = per_class_metrics(y, logreg.predict(flat), y_score=logreg.predict_proba(flat),
                          labels=logreg.classes_, zero_division=0.0)
    order = np.argsort(-m["f1"], kind="stable")
    assert disp.ax_ is ax and disp.figure_ is fig
    assert_allclose([b.get_height() for b in disp.bars_["f1"]], m["f1"][order])
    assert_allclose([b.get_height() for b in disp.bars_["area_ratio"]], m["area_ratio"][order])
    assert [t.get_text() for t in disp.legend_.get_texts()] == ["F1", "area ratio"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = disp.legend_.get_window_extent(renderer)
    assert legend.x0 >= ax.get_window_extent(renderer).x1  # outside the plotting area
    assert not legend.overlaps(ax.title.get_window_extent(renderer))
    again = PerClassMetricsDisplay.from_predictions([0, 0, 1], [0, 1, 1], columns=["recall"],
                                                    ax=_axes()[1])
    assert again.legend_ is None and again.ax_.get_ylabel() == "recall"
    assert PerClassMetricsDisplay.from_metrics(m, ax=_axes()[1]).plot(ax=ax) is not None


def test_per_class_display_bad_input():
    m = per_class_metrics([0, 1], [0, 1])
    with pytest.raises(TypeError, match="PerClassMetrics"):
        PerClassMetricsDisplay({"f1": [1.0]})
    with pytest.raises(KeyError, match="unknown column 'speed'"):
        PerClassMetricsDisplay(m).plot(ax=_axes()[1], columns=["speed"])
    with pytest.raises(ValueError, match="columns is empty"):
        PerClassMetricsDisplay(m).plot(ax=_axes()[1], columns=[])
    with pytest.raises(InvalidParameterError, match="sort_by"):
        PerClassMetricsDisplay.from_metrics(m, sort_by="speed")
    with pytest.raises(NotFittedError):
        PerClassMetricsDisplay.from_estimator(LogisticRegression(), [[0.0], [1.0]], [0, 1])


def test_per_class_display_columns_follow_the_metric_table():
    m = per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1])  # no scores: no area ratio
    disp = PerClassMetricsDisplay(m).plot(ax=_axes()[1])
    # by default a class's recall (its accuracy in the usual sense) comes first
    assert [t.get_text() for t in disp.legend_.get_texts()] == ["recall", "precision", "F1"]
    disp = PerClassMetricsDisplay(m).plot(ax=_axes()[1], columns=["ovr_accuracy", "support"])
    assert [t.get_text() for t in disp.legend_.get_texts()] == ["one-vs-rest accuracy",
                                                                "support"]
    assert disp.ax_.get_ylabel() == "value"  # a count beside a ratio
    with pytest.raises(KeyError, match="needs scores; pass y_score="):
        PerClassMetricsDisplay(m).plot(ax=_axes()[1], columns=["area_ratio"])
    with pytest.warns(FutureWarning, match="'accuracy' was renamed 'ovr_accuracy'") as caught:
        disp = PerClassMetricsDisplay(m).plot(ax=_axes()[1], columns=["accuracy", "recall"])
    assert caught[0].filename == __file__
    assert list(disp.bars_) == ["ovr_accuracy", "recall"]
    with pytest.warns(FutureWarning, match="renamed 'ovr_accuracy'"):
        disp = PerClassMetricsDisplay.from_predictions([0, 0, 1], [0, 1, 1], sort_by="accuracy",
                                                       ax=_axes()[1])
    assert disp.ax_.get_xlabel() == "class (sorted by one-vs-rest accuracy)"


def test_per_class_display_asks_for_scores_only_for_columns_that_need_them(logreg, digits):
    X, y = digits
    flat = X.reshape(len(X), -1)

    class LabelsOnly(ClassifierMixin, BaseEstimator):
        """Labels and no scores: the logistic regression's predictions."""

        def fit(self, X, y):
            self.classes_ = logreg.classes_
            return self

        def predict(self, X):
            return logreg.predict(X)

    labels_only = LabelsOnly().fit(flat, y)
    disp = PerClassMetricsDisplay.from_estimator(labels_only, flat, y, ax=_axes()[1])
    assert "area_ratio" not in disp.metrics.columns and list(disp.bars_) == [
        "recall", "precision", "f1"]
    disp = PerClassMetricsDisplay.from_estimator(logreg, flat, y, columns=["area_ratio"],
                                                 ax=_axes()[1])
    assert np.isfinite(disp.metrics["area_ratio"]).all()


def test_per_class_display_47_long_names():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 47, 2000)
    m = per_class_metrics(y, np.where(rng.random(2000) < 0.7, y, 0), labels=np.arange(47),
                          target_names=LONG47, zero_division=0.0)
    fig, ax = _fig_of("per_class", n_classes=47, n_series=3, label_length=len(LONG47[0]))
    disp = PerClassMetricsDisplay(m).plot(ax=ax)
    labels = disp.ax_.get_xticklabels()
    assert len(labels) == 47 and {t.get_rotation() for t in labels} == {90.0}
    _assert_apart(_drawn_boxes(fig, labels), "x ticks")


# --- the report composes the displays ------------------------------------------------------


@pytest.mark.parametrize("names", [CIFAR10, LONG47], ids=["cifar10", "47 long names"])
def test_report_figures_keep_class_names_readable(names):
    rng = np.random.default_rng(0)
    n = len(names)
    y = rng.integers(0, n, 1500)
    X = rng.integers(0, 256, (1500, 8, 8), dtype=np.uint8)
    from sklearn.dummy import DummyClassifier

    clf = DummyClassifier(strategy="stratified", random_state=0).fit(X.reshape(1500, -1), y)
    report = ModelReport.from_estimator(clf, X.reshape(1500, -1), y, target_names=names,
                                        n_worst=4)
    figures = report.make_figures(dpi=50)
    for stem in ("confusion_matrix", "per_class"):
        fig = figures[stem]
        FigureCanvasAgg(fig)
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == names
        _assert_apart(_drawn_boxes(fig, ax.get_xticklabels()), f"{stem} x ticks")
    worst = figures["worst_predictions"]
    assert all(tile.get_title().startswith("true ") for tile in worst.axes[1:])
