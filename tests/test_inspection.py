"""skimgclf.inspection (summary, layer shapes, parameter counts), show_versions and the one
Markdown table writer."""

import io
import re

import numpy as np
import pytest
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import skimgclf.plotting
import skimgclf.report
from skimgclf import inspection
from skimgclf._markdown import markdown_table
from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf._versions import library_versions, show_versions
from skimgclf.inspection import layer_summary, parameter_counts, summary

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")


class TinyConvNet(torch.nn.Module):
    """conv (1 -> 4, 3x3, padded), batch norm, ReLU module, linear read-out over 8x8 images."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.act = torch.nn.ReLU()
        self.fc = torch.nn.Linear(4 * 8 * 8, 3)

    def forward(self, X):
        return self.fc(self.act(self.bn(self.conv(X))).flatten(1))


TINY_SUMMARY = """\
Model: TinyConvNet
Input shape: (None, 1, 8, 8)
==============================================
Layer (type)        Output shape       Param #
==============================================
conv (Conv2d)       (None, 4, 8, 8)         40
bn (BatchNorm2d)    (None, 4, 8, 8)          8
act (ReLU)          (None, 4, 8, 8)          0
fc (Linear)         (None, 3)              771
==============================================
Total params: 819
Trainable params: 819
Non-trainable params: 0
"""


def test_summary_of_a_tiny_net_is_stable_text(capsys):
    net = TinyConvNet()
    net.train()
    running = net.bn.running_mean.clone()
    summary(net, input_shape=(1, 8, 8))
    assert capsys.readouterr().out == TINY_SUMMARY
    # the forward pass ran in eval mode without gradients, and the model is as it was
    assert net.training and torch.equal(net.bn.running_mean, running)
    assert all(p.grad is None for p in net.parameters())
    net.fc.bias.requires_grad_(False)
    out = io.StringIO()
    summary(net, (1, 8, 8), file=out)
    assert out.getvalue().endswith("Trainable params: 816\nNon-trainable params: 3\n")


def test_summary_of_a_fitted_skorch_net_and_skimgclf_network(capsys):
    from skimgclf import CNNClassifier
    from skimgclf.datasets import load_digits_images

    X, y = load_digits_images(return_X_y=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            cnn = CNNClassifier(architecture="lenet5", max_epochs=1, random_state=0,
                                verbose=0).fit(X[:200], y[:200])
    finally:
        torch.set_num_threads(threads)
    summary(cnn)  # the input shape is read from the fitted network's image_shape_
    text = capsys.readouterr().out
    assert text.startswith("Model: CNNClassifier, module ")
    assert "Input shape: (None, 1, 8, 8)" in text
    rows = layer_summary(cnn)
    assert rows[-1].output_shape == "(None, 10)"
    assert sum(r.count for r in rows) == sum(p.numel() for p in cnn.module_.parameters())
    assert f"Total params: {sum(r.count for r in rows):,}" in text
    # a plain skorch net does not know its input shape: ask for it
    net = skorch.NeuralNetClassifier(TinyConvNet, max_epochs=1, verbose=0, train_split=None)
    net.fit(np.zeros((6, 1, 8, 8), dtype=np.float32), np.array([0, 1, 2] * 2))
    summary(net)
    text = capsys.readouterr().out
    assert "Input shape: unknown (pass input_shape=(C, H, W)" in text
    assert re.search(r"\nconv \(Conv2d\) +\? +40\n", text)
    assert layer_summary(net)[0].output_shape is None
    assert layer_summary(net, (1, 8, 8))[0].output_shape == "(None, 4, 8, 8)"


def test_layer_summary_of_scikit_learn_models():
    X, y = np.random.default_rng(0).normal(size=(60, 5)), np.arange(60) % 3
    with pytest.warns(Warning):  # not converged in 3 iterations
        mlp = MLPClassifier(hidden_layer_sizes=(7,), max_iter=3, random_state=0).fit(X, y)
    rows = layer_summary(mlp)
    assert [(r.name, r.output_shape, r.count) for r in rows] == [
        ("dense 1", "(None, 7)", 5 * 7 + 7),
        ("dense 2", "(None, 3)", 7 * 3 + 3),
    ]
    lr = LogisticRegression(max_iter=500).fit(X, y)
    assert layer_summary(lr) == [
        inspection.LayerSummary("linear", "LogisticRegression", "(None, 3)", 18, 18)
    ]
    out = io.StringIO()
    summary(lr, file=out)
    assert out.getvalue().startswith("Model: LogisticRegression\n=")
    assert layer_summary(DummyClassifier().fit(X, y)) is None


def test_what_is_not_a_model_and_shapes_that_do_not_fit_are_refused():
    # they returned None (as for a model without layers), or ignored the shape
    for thing in (None, "abc", np.zeros(3)):
        with pytest.raises(TypeError, match="expected an estimator, a Pipeline, a search or a "
                                            f"torch.nn.Module; got {type(thing).__name__}"):
            parameter_counts(thing)
    lr = LogisticRegression().fit(np.random.default_rng(0).normal(size=(10, 4)), [0, 1] * 5)
    with pytest.raises(ValueError, match=r"input_shape=\(99,\) does not fit LogisticRegression, "
                                         r"which takes rows of 4 features"):
        layer_summary(lr, input_shape=(99,))
    assert layer_summary(lr, input_shape=(4,))[0].count == 5
    with pytest.raises(ValueError, match="positive ints"):
        layer_summary(TinyConvNet(), input_shape=(True, 8, 8))
    with pytest.raises(ValueError, match="list of epoch dicts .* got an entry of type int"):
        inspection.history_curves([1, 2])
    with pytest.raises(ValueError, match=r"the history's train_loss must be numbers"):
        inspection.history_curves([{"train_loss": "x"}])


def test_inspection_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"does not go through TinyConvNet.*\(C, H, W\)"):
        summary(TinyConvNet(), input_shape=(3, 8, 8))
    with pytest.raises(ValueError, match="positive ints"):
        layer_summary(TinyConvNet(), input_shape=(1, 0, 8))
    with pytest.raises(InvalidParameterError, match="input_shape"):
        layer_summary(TinyConvNet(), input_shape="1x8x8")
    with pytest.raises(ValueError, match="has no layers to summarise"):
        summary(DummyClassifier().fit([[0], [1]], [0, 1]))
    with pytest.raises(NotFittedError):
        summary(LogisticRegression())
    with pytest.raises(NotFittedError):
        parameter_counts(skorch.NeuralNetClassifier(TinyConvNet))
    with pytest.raises(NotFittedError):
        inspection.history_curves(skorch.NeuralNetClassifier(TinyConvNet))
    with pytest.raises(NotFittedError):
        inspection.history_curves(MLPClassifier())
    with pytest.raises(ValueError, match="records no training curves"):
        inspection.history_curves(LogisticRegression())  # never records any, fitted or not


def test_old_import_paths_still_work():
    assert skimgclf.plotting.history_curves is inspection.history_curves
    assert skimgclf.plotting.conv_kernels is inspection.conv_kernels
    assert skimgclf.report.parameter_counts is inspection.parameter_counts
    assert skimgclf.report.LayerParameters is inspection.LayerParameters
    assert skimgclf.report.library_versions is library_versions


def test_show_versions_prints_system_and_dependencies(capsys):
    show_versions()
    text = capsys.readouterr().out
    assert "\nSystem:\n" in text and "\nPython dependencies:\n" in text
    assert f"scikit-learn: {sklearn.__version__}\n" in text
    assert f"numpy: {np.__version__}\n" in text
    assert "CUDA available: " in text
    versions = library_versions()
    assert versions["torch"].split("+")[0] == torch.__version__.split("+")[0]


def test_markdown_table_escapes_aligns_and_checks_rows():
    table = markdown_table(["name", "n", "note"], [["a|b", 3, ""], ["c", 10, "x\ny"]],
                           align="lrl")
    assert table.splitlines() == [
        "| name | n | note |",
        "|---|---:|---|",
        "| a\\|b | 3 | |",
        "| c | 10 | x y |",
    ]
    with pytest.raises(ValueError, match="row 0 has 1 cells but the table has 2 columns"):
        markdown_table(["a", "b"], [["only one"]])
    with pytest.raises(ValueError, match="one of 'l' or 'r' per column"):
        markdown_table(["a", "b"], [], align="lc")
