"""ONNX export: the graph computes what ``predict_proba`` / ``predict`` compute, onnxruntime-run.

Parity is max |p_onnx - p_model| <= 1e-4 (float32 through two different kernels: never a pinned
digit) and the same predicted labels. A prediction may only differ where the model's two best
probabilities are closer than the float32 noise of the two runs (a tie), which no test here
meets, but no CPU can then fail the test for it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

ort = pytest.importorskip(
    "onnxruntime", reason="onnxruntime is not installed (pip install 'skimgclf[onnx]')")
onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'skimgclf[onnx]')")

from conftest import stratified_subset  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402

from skimgclf.datasets import load_digits_images  # noqa: E402
from skimgclf.exceptions import InputError  # noqa: E402
from skimgclf.export import export_onnx  # noqa: E402
from skimgclf.neural import CNNClassifier, TorchMLPClassifier  # noqa: E402
from skimgclf.preprocessing import (  # noqa: E402
    BackgroundRemover,
    ComponentSizeMap,
    Normalizer,
    flatten_images,
)
from skimgclf.presets import make_model  # noqa: E402

TOLERANCE = 1e-4
# The TorchScript exporter takes a tenth of dynamo's time: the tests that are not about the
# exporter use it (dynamo, the default, is run by the parity tests of the presets).
QUICK = {"exporter": "torchscript"}


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _assert_parity(model, session, X):
    """The graph's outputs on X against the model's predict_proba / predict."""
    proba, index, *label = session.run(None, {"images": X})
    expected = model.predict_proba(X)
    assert proba.shape == expected.shape and proba.dtype == np.float32
    delta = float(np.abs(proba - expected).max())
    assert delta <= TOLERANCE, f"max |dp| = {delta:.3g} > {TOLERANCE}"
    np.testing.assert_array_equal(index, proba.argmax(axis=1))
    top2 = np.sort(expected, axis=1)[:, -2:]
    decided = top2[:, 1] - top2[:, 0] > 2 * TOLERANCE  # not a tie at float32 precision
    predicted = model.predict(X)
    assert label, "the graph has no label output"
    np.testing.assert_array_equal(label[0][decided], predicted[decided])
    return delta


@pytest.fixture(scope="module")
def digits():
    """The embedded 8x8 digits as 0-255 uint8 pixels, split 600 / the rest."""
    data = load_digits_images()
    X = np.round(data.images * (255 / 16)).astype(np.uint8)
    return X[:600], data.target[:600], X[600:], data.target[600:]


@pytest.fixture(scope="module")
def digits_cnn(digits):
    X, y, _, _ = digits
    return make_model("cnn", image_shape=(8, 8), max_epochs=1, random_state=0).fit(X, y)


@pytest.mark.parametrize("exporter", ["dynamo", "torchscript"])
def test_cnn_preset_on_digits_matches_predict(digits, digits_cnn, exporter, tmp_path):
    _, _, X_test, _ = digits
    path = export_onnx(digits_cnn, tmp_path / "cnn.onnx", exporter=exporter)
    assert path == tmp_path / "cnn.onnx" and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["cnn.onnx"]  # no external data file
    session = _session(path)
    (given,) = session.get_inputs()
    assert (given.name, given.type, given.shape) == ("images", "tensor(uint8)", ["batch", 8, 8])
    assert [o.name for o in session.get_outputs()] == ["probabilities", "class_index", "label"]
    _assert_parity(digits_cnn, session, X_test)
    # the batch axis is dynamic: one image, and an odd count
    _assert_parity(digits_cnn, session, X_test[:1])
    _assert_parity(digits_cnn, session, X_test[5:12])


def test_float32_input_follows_the_value_range_rule(digits, digits_cnn, tmp_path):
    # The Normalizer of the preset maps 0-255 floats as it maps uint8 pixels.
    _, _, X_test, _ = digits
    path = export_onnx(digits_cnn, tmp_path / "f.onnx", input_dtype="float32", **QUICK)
    session = _session(path)
    assert session.get_inputs()[0].type == "tensor(float)"
    _assert_parity(digits_cnn, session, X_test[:200].astype(np.float32))


@pytest.mark.parametrize("input_dtype", ["uint8", "float32"])
def test_network_alone_scales_as_predict_does(digits, input_dtype, tmp_path):
    # No Normalizer: the network's input_scale="auto" divides uint8 pixels by 255 and uses
    # floats as they are; the graph does the same for the dtype it takes.
    X, y, X_test, _ = digits
    X, X_test = X.astype(input_dtype), X_test[:300].astype(input_dtype)
    net = TorchMLPClassifier(hidden_sizes=(32,), max_epochs=2, random_state=0).fit(X, y)
    session = _session(export_onnx(net, tmp_path / "net.onnx", input_dtype=input_dtype))
    _assert_parity(net, session, X_test)


def test_the_graph_reads_pixels_in_the_units_of_the_fit(digits, tmp_path):
    """input_scale set after fit applies at the next fit: predict and the graph ignore it."""
    X, y, X_test, _ = digits
    net = TorchMLPClassifier(hidden_sizes=(32,), max_epochs=2, random_state=0).fit(X, y)
    net.set_params(input_scale=1.0)
    session = _session(export_onnx(net, tmp_path / "net.onnx", **QUICK))
    _assert_parity(net, session, X_test[:300])


def test_rgb_cnn_with_channel_normalisation_and_string_labels(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(90, 32, 32, 3)).astype(np.uint8)
    names = np.array(["red", "green", "blue"])
    y = names[X.reshape(len(X), -1, 3).mean(axis=1).argmax(axis=1)]
    clf = CNNClassifier(normalize="channel", module__widths=(4, 8, 8), max_epochs=1,
                        batch_size=32, random_state=0).fit(X, y)
    path = export_onnx(clf, tmp_path / "rgb.onnx", **QUICK)
    session = _session(path)
    assert session.get_inputs()[0].shape == ["batch", 32, 32, 3]
    assert session.get_outputs()[2].type == "tensor(string)"
    _assert_parity(clf, session, X[:40])
    _assert_parity(clf, session, X[:1])
    meta = _session(path).get_modelmeta().custom_metadata_map
    assert meta["skimgclf.classes"] == '["blue", "green", "red"]'


def test_every_tensor_step_in_one_pipeline(digits, tmp_path):
    # BackgroundRemover (a threshold that is not an integer), Normalizer per channel and per
    # pixel, a flatten FunctionTransformer, StandardScaler and a nested Pipeline.
    X, y, X_test, _ = digits
    model = Pipeline([
        ("background", BackgroundRemover(threshold=40.5, fill=3)),
        ("norm", Pipeline([("channel", Normalizer(mode="channel")),
                           ("pixel", Normalizer(mode="pixel"))])),
        ("flatten", FunctionTransformer(flatten_images)),
        ("std", StandardScaler()),
        ("skip", "passthrough"),
        ("clf", TorchMLPClassifier(hidden_sizes=(32,), max_epochs=2, random_state=0,
                                   input_scale=0.5)),
    ]).fit(X, y)
    session = _session(export_onnx(model, tmp_path / "steps.onnx", **QUICK))
    _assert_parity(model, session, X_test[:300])
    meta = session.get_modelmeta().custom_metadata_map
    assert '"norm__pixel=Normalizer"' in meta["skimgclf.steps"]


def test_flat_input_when_the_pipeline_starts_with_a_scaler(digits, tmp_path):
    X, y, X_test, _ = digits
    X, X_test = X.reshape(len(X), -1), X_test[:100].reshape(100, -1)
    model = Pipeline([("std", StandardScaler()),
                      ("clf", TorchMLPClassifier(hidden_sizes=(16,), max_epochs=2,
                                                 random_state=0))]).fit(X, y)
    session = _session(export_onnx(model, tmp_path / "flat.onnx", input_dtype="float32",
                                   **QUICK))
    assert session.get_inputs()[0].shape == ["batch", 64]
    _assert_parity(model, session, X_test.astype(np.float32))


def test_exporting_leaves_the_model_as_it_was(digits, digits_cnn, tmp_path):
    _, _, X_test, _ = digits
    before = digits_cnn.predict_proba(X_test[:50])
    module = digits_cnn[-1].module_
    export_onnx(digits_cnn, tmp_path / "m.onnx", **QUICK)
    assert digits_cnn[-1].module_ is module and not module.training
    np.testing.assert_array_equal(digits_cnn.predict_proba(X_test[:50]), before)


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("preset, step, kind", [
    ("hog-mlp", "hog", "HOGFeatures"),
    ("logreg", "clf", "LogisticRegression"),
    ("modified-mnist-digit", "digit", "LargestDigitExtractor"),
])
def test_steps_that_are_not_tensor_operations_are_refused_by_name(preset, step, kind,
                                                                   tmp_path):
    model = make_model(preset, image_shape=(28, 28))
    with pytest.raises(InputError, match=rf"the step '{step}' \({kind}\) cannot be exported"):
        export_onnx(model, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


@pytest.mark.parametrize("step, match", [
    (BackgroundRemover(threshold="otsu"), r"'bg' \(BackgroundRemover\).*threshold='otsu'"),
    (ComponentSizeMap(), r"'bg' \(ComponentSizeMap\).*labelling connected components"),
    (FunctionTransformer(np.log1p), r"'bg' \(FunctionTransformer\).*'log1p'"),
    (LogisticRegression(), r"'bg' \(LogisticRegression\).*not one of the steps"),
])
def test_unknown_or_untranslatable_steps_are_refused(step, match, tmp_path):
    model = Pipeline([("bg", step), ("clf", CNNClassifier())])
    with pytest.raises(InputError, match=match):
        export_onnx(model, tmp_path / "x.onnx")


def test_test_time_augmentation_is_refused(digits, digits_cnn, tmp_path):
    from sklearn.base import clone

    model = clone(digits_cnn).set_params(clf__tta="flip", clf__max_epochs=1)
    with pytest.raises(InputError, match=r"'clf' \(CNNClassifier\).*tta='flip'.*tta=None"):
        export_onnx(model, tmp_path / "x.onnx")


def test_a_model_predicting_under_autocast_is_exported_with_a_warning(digits, digits_cnn,
                                                                     monkeypatch, tmp_path):
    """bf16 autocast where the CPU has it (forced here): the float32 graph is written, and the
    warning says its probabilities differ from the model's; models that predict in float32
    (the default "auto" trains in bf16 there) export silently."""
    import warnings

    from sklearn.base import clone

    from skimgclf.neural import _device

    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: True)
    X, y, X_test, _ = digits
    model = clone(digits_cnn).set_params(clf__precision="bf16").fit(X, y)
    with pytest.warns(UserWarning, match=r"'clf' predicts under 'bf16' autocast.*differ"):
        path = export_onnx(model, tmp_path / "bf16.onnx", **QUICK)
    outputs = _session(path).run(None, {"images": X_test[:50]})
    np.testing.assert_allclose(outputs[0], model.predict_proba(X_test[:50]), atol=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_onnx(digits_cnn, tmp_path / "auto.onnx", **QUICK)  # the default


def test_unfitted_model_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(InputError, match=r"the step 'clf' \(CNNClassifier\) is not fitted"):
        export_onnx(make_model("cnn"), tmp_path / "x.onnx")
    with pytest.raises(NotFittedError, match=r"'model' \(TorchMLPClassifier\) is not fitted"):
        export_onnx(TorchMLPClassifier(), tmp_path / "x.onnx")


def test_opset_below_what_dynamo_writes_is_refused(digits_cnn, tmp_path):
    with pytest.raises(InputError, match="dynamo exporter writes opset 18 or later"):
        export_onnx(digits_cnn, tmp_path / "x.onnx", exporter="dynamo", opset_version=17)
    # "auto" takes the TorchScript exporter for it
    path = export_onnx(digits_cnn, tmp_path / "x.onnx", opset_version=17)
    opsets = {o.domain: o.version for o in onnx.load(path).opset_import}
    assert opsets[""] == 17


def test_opset_newer_than_onnx_knows_is_refused_before_exporting(digits_cnn, tmp_path, capfd):
    # The dynamo exporter would log a traceback, fall back to its own opset and write that.
    newest = onnx.defs.onnx_opset_version()
    with pytest.raises(InputError, match=f"opset_version={newest + 1} is newer than the newest "
                                         f"opset onnx .* knows \\({newest}\\)"):
        export_onnx(digits_cnn, tmp_path / "x.onnx", opset_version=newest + 1)
    assert not (tmp_path / "x.onnx").exists()
    assert "Traceback" not in capfd.readouterr().err


def test_missing_onnx_says_how_to_install_it(digits_cnn, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'skimgclf\[onnx\]'"):
        export_onnx(digits_cnn, tmp_path / "x.onnx")


def test_importing_the_module_loads_neither_onnx_nor_torch():
    code = ("import sys, skimgclf.export; "
            "print(sorted(m for m in ('onnx', 'onnxscript', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------ real MNIST
@pytest.fixture(scope="module")
def mnist_subsets(mnist_train, mnist_test):
    X_train, y_train = stratified_subset(*mnist_train, 3_000, random_state=0)
    X_test, _ = stratified_subset(*mnist_test, 1_000, random_state=0)
    return X_train, y_train, X_test


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["cnn", "fast", "mlp"])
def test_presets_on_mnist_match_predict_on_1000_test_images(preset, mnist_subsets, tmp_path):
    X_train, y_train, X_test = mnist_subsets
    model = make_model(preset, image_shape=(28, 28), max_epochs=1, random_state=0)
    model.fit(X_train, y_train)
    session = _session(export_onnx(model, tmp_path / f"{preset}.onnx"))
    assert session.get_inputs()[0].shape == ["batch", 28, 28]
    _assert_parity(model, session, X_test)
    _assert_parity(model, session, X_test[:1])
