"""skimgclf.plotting: every figure renders to PNG headless and shows the numbers it is given."""

import io
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from conftest import HANG_TIMEOUT
from matplotlib.figure import Figure
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skimgclf.datasets import load_digits_images
from skimgclf.metrics import per_class_metrics, top_classes
from skimgclf.plotting import (
    conv_kernels,
    history_curves,
    plot_confusion_matrix,
    plot_conv_kernels,
    plot_learning_curves,
    plot_loss_curves,
    plot_per_class,
    plot_worst_predictions,
    worst_predictions,
)

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    return data


def _axes():
    fig = Figure(figsize=(4, 4))
    return fig, fig.subplots()


class TinyConvNet(torch.nn.Module):
    """One 3x3 convolution over 8x8 images and a linear read-out."""

    def __init__(self, n_classes=3):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, n_classes)

    def forward(self, X):
        return self.fc(torch.relu(self.conv(X)).flatten(1))


@pytest.fixture(scope="module")
def digits3():
    X, y = load_digits_images(return_X_y=True)
    keep = y < 3
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def tiny_net(digits3):
    X, y = digits3
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(
        TinyConvNet,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=3,
        batch_size=64,
        train_split=skorch.dataset.ValidSplit(5, stratified=True),
        verbose=0,
    )
    return net.fit((X / 255).astype(np.float32).reshape(-1, 1, 8, 8), y)


def test_confusion_matrix_cells_and_png():
    y_true = [0, 1, 2, 2, 1, 0, 2]
    y_pred = [0, 2, 2, 2, 1, 1, 0]
    fig, ax = _axes()
    out = plot_confusion_matrix(y_true, y_pred, display_labels=["a", "b", "c"], ax=ax)
    assert out is ax
    assert_array_equal(ax.images[0].get_array(), confusion_matrix(y_true, y_pred))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert len(ax.texts) == 9  # values written in the cells
    _png(fig)
    fig, ax = _axes()
    plot_confusion_matrix(y_true, y_pred, normalize="true", ax=ax)
    assert_allclose(ax.images[0].get_array().sum(axis=1), 1.0)


def test_confusion_matrix_many_classes_hides_values_and_thins_labels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 47, 500)
    fig, ax = _axes()
    plot_confusion_matrix(y, np.roll(y, 1), ax=ax)
    assert len(ax.texts) == 0
    visible = [t for t in ax.get_xticklabels() if t.get_visible()]
    assert 5 <= len(visible) <= 30  # as many as fit a 4-inch figure without overlapping
    _png(fig)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in visible]
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False))


def test_history_curves_from_skorch_mlp_and_lists(tiny_net, digits3):
    curves = history_curves(tiny_net)
    assert_array_equal(curves["epoch"], [1, 2, 3])
    assert_allclose(curves["valid_loss"], tiny_net.history[:, "valid_loss"])
    assert {"train_loss", "valid_loss", "valid_acc"} <= set(curves)
    # a pipeline ending in the net gives the same curves
    pipe = make_pipeline(FunctionTransformer(), tiny_net)
    pipe.steps[-1] = ("net", tiny_net)
    assert_allclose(history_curves(pipe)["train_loss"], curves["train_loss"])
    X, y = digits3
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, early_stopping=True, random_state=0)
    with pytest.warns(Warning):  # not converged in 5 iterations
        mlp.fit(X / 255, y)
    mlp_curves = history_curves(mlp)
    assert_allclose(mlp_curves["train_loss"], mlp.loss_curve_)
    assert_allclose(mlp_curves["valid_acc"], mlp.validation_scores_)
    assert_array_equal(mlp_curves["epoch"], np.arange(1, len(mlp.loss_curve_) + 1))
    partial = history_curves(
        [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5, "valid_acc": 0.9}]
    )
    assert np.isnan(partial["valid_acc"][0]) and partial["valid_acc"][1] == 0.9
    with pytest.raises(ValueError, match="records no training curves"):
        history_curves(LogisticRegression())


def test_loss_curves_plot(tiny_net):
    fig, ax = _axes()
    assert plot_loss_curves(tiny_net, ax=ax) is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert_allclose(lines["validation loss"].get_ydata(), tiny_net.history[:, "valid_loss"])
    right = {line.get_label(): line for line in ax.right_ax.get_lines()}
    assert_allclose(right["validation accuracy"].get_ydata(), tiny_net.history[:, "valid_acc"])
    _png(fig)
    fig, ax = _axes()
    plot_loss_curves({"epoch": np.arange(1, 4), "train_loss": np.ones(3)}, ax=ax)
    assert ax.right_ax is None and len(ax.get_lines()) == 1


def test_plot_learning_curves_is_a_deprecated_alias(tiny_net):
    fig, ax = _axes()
    with pytest.warns(FutureWarning, match="use plot_loss_curves"):
        assert plot_learning_curves(tiny_net, ax=ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["train loss", "validation loss"]


def test_conv_kernels_from_net_module_and_errors(tiny_net):
    weights = conv_kernels(tiny_net)
    assert_array_equal(weights, tiny_net.module_.conv.weight.detach().numpy())
    weights[:] = 0  # a copy: the net is untouched
    assert tiny_net.module_.conv.weight.abs().sum() > 0
    deep = torch.nn.Sequential(torch.nn.Conv2d(3, 5, 3), torch.nn.Conv2d(5, 2, 3))
    assert conv_kernels(deep, layer="1").shape == (2, 5, 3, 3)
    with pytest.raises(ValueError, match=r"Conv2d layers are \['0', '1'\]"):
        conv_kernels(deep, layer="fc")
    with pytest.raises(ValueError, match="no Conv2d"):
        conv_kernels(torch.nn.Linear(3, 2))
    with pytest.raises(TypeError, match="kernels exist only"):
        conv_kernels(LogisticRegression())


def test_conv_kernel_tiles(tiny_net):
    fig, ax = _axes()
    plot_conv_kernels(tiny_net, ax=ax)
    image = ax.images[0].get_array()
    assert image.shape == (7, 7)  # 4 kernels of 3x3 in a 2x2 grid with 1-pixel gaps
    assert image[:3, :3].min() == 0 and image[:3, :3].max() == 1  # each kernel scaled alone
    assert np.ma.getmaskarray(image)[3].all()  # the gap
    _png(fig)
    rgb = torch.nn.Conv2d(3, 5, 3)
    fig, ax = _axes()
    plot_conv_kernels(rgb, ax=ax)
    assert ax.images[0].get_array().shape == (7, 11, 3)  # 5 RGB tiles, 3 columns
    fig, ax = _axes()
    plot_conv_kernels(torch.nn.Conv2d(2, 8, 3), max_kernels=5, ax=ax)
    assert "first 5 shown" in ax.get_title()
    _png(fig)


def test_worst_predictions_ranks_by_log_loss():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.05, 0.9, 0.05]])
    order, losses = worst_predictions(["a", "b", "c", "b"], proba, classes=["a", "b", "c"], k=3)
    assert_array_equal(order, [1, 2, 0])
    assert_allclose(losses, -np.log([0.1, 0.4, 0.7]))
    with pytest.raises(ValueError, match="not in classes"):
        worst_predictions(["z"], [[1.0, 0, 0]], classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="y_proba has shape"):
        worst_predictions([0, 1], [[1.0, 0.0]])


@pytest.mark.parametrize(
    "layout",
    ["flat", "hw", "hwc_rgb", "chw_rgb"],
)
def test_worst_prediction_grid_any_layout(layout):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 8, 8, 3 if "rgb" in layout else 1), dtype=np.uint8)
    X = {
        "flat": images.reshape(6, -1),
        "hw": images[..., 0],
        "hwc_rgb": images,
        "chw_rgb": np.moveaxis(images, 3, 1),
    }[layout]
    before = X.copy()
    y = np.array([0, 1, 1, 0, 1, 0])
    proba = rng.dirichlet([1, 1], size=6)
    fig, ax = _axes()
    # no channels_first: the image rule reads (6, 3, 8, 8) as channels-first, as every step does
    tiles = plot_worst_predictions(X, y, proba, target_names=["no", "yes"], k=4, ax=ax)
    order, _ = worst_predictions(y, proba, k=4)
    assert len(tiles) == 4
    for tile, i in zip(tiles, order, strict=True):
        shown = tile.images[0].get_array()
        assert_array_equal(shown, images[i, ..., 0] if images.shape[3] == 1 else images[i])
        assert tile.get_title().startswith(f"true {['no', 'yes'][y[i]]} / pred ")
    assert_array_equal(X, before)
    _png(fig)


def test_per_class_bars(digits3):
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    m = per_class_metrics(y, [0, 0, 1, 1, 0, 0, 1, 1], zero_division=0.0)
    fig, ax = _axes()
    plot_per_class(m, columns=["precision", "recall"], sort_by="recall", ax=ax)
    heights = [bar.get_height() for bar in ax.patches]
    # classes sorted by recall: 0 (2/3), 1 (1/2), 2 (0); precision bars first, then recall
    assert_allclose(heights, [0.5, 0.25, 0.0, 2 / 3, 0.5, 0.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    _png(fig)
    fig, ax = _axes()
    plot_per_class(top_classes(m, 2, by="f1"), ax=ax)
    assert len(ax.patches) == 6
    with pytest.raises(KeyError, match="unknown column"):
        plot_per_class(m, columns=["speed"], ax=ax)
    with pytest.raises(TypeError, match="PerClassMetrics"):
        plot_per_class({"precision": [1.0]}, ax=ax)


def test_pyplot_path_when_no_axes_is_given():
    import matplotlib.pyplot as plt

    ax = plot_confusion_matrix([0, 1], [0, 1])
    tiles = plot_worst_predictions(np.zeros((2, 4, 4)), [0, 1], [[0.5, 0.5], [0.2, 0.8]])
    try:
        assert ax.figure is not tiles[0].figure
        _png(ax.figure)
        _png(tiles[0].figure)
    finally:
        plt.close(ax.figure)
        plt.close(tiles[0].figure)


def test_headless_and_backend_untouched(tmp_path):
    """With no display, importing and plotting works, and the module never picks a backend."""
    script = (
        "import matplotlib; before = matplotlib.get_backend(); "
        "import skimgclf.plotting as p; "
        "assert matplotlib.get_backend() == before, (before, matplotlib.get_backend()); "
        "ax = p.plot_confusion_matrix([0, 1, 1], [0, 1, 0]); "
        f"ax.figure.savefig({str(tmp_path / 'cm.png')!r})"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True,
        timeout=HANG_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"
    assert matplotlib.get_backend()  # and this process is unaffected
