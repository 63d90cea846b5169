"""The architecture registry, the networks and the batch augmentation."""

from __future__ import annotations

import pytest
import torch

from skimgclf.augment import RandomAffine, random_affine
from skimgclf.exceptions import InputError
from skimgclf.nets import (
    MLP,
    BatchNormCNN,
    ResNet18,
    get_net,
    list_nets,
    load_torchvision_weights,
    register_net,
)

STUDY_NETS = ["bn_cnn", "lenet5", "emnist_cnn", "face_baseline_cnn", "tronnet", "one_conv_cnn",
              "hog_study_cnn", "resnet18", "mlp", "mlp_tanh_250"]


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_registry_lists_every_study_network():
    assert set(STUDY_NETS) <= set(list_nets())
    assert list_nets("mlp*") == ["mlp", "mlp_tanh_250"]
    assert list_nets("LENET*") == ["lenet5"]  # patterns are case-insensitive like the names


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown architecture 'vgg'.*bn_cnn.*lenet5"):
        get_net("vgg")


def test_register_rejects_taken_and_malformed_names():
    import functools

    with pytest.raises(ValueError, match="already registered"):
        register_net(lambda **kw: None, name="lenet5")
    with pytest.raises(ValueError, match="snake case"):
        register_net(lambda **kw: None, name="My Net")
    with pytest.raises(ValueError, match="snake case; got ''"):
        register_net(lambda **kw: None, name="")
    with pytest.raises(ValueError, match="partial objects have no __name__ .* pass name="):
        register_net(functools.partial(lambda **kw: None))


@pytest.mark.parametrize("net, kwargs, match", [
    ("bn_cnn", {"widths": (8, 8)}, r"widths must be 3 positive ints \(channel counts\); got "
                                   r"\(8, 8\)"),
    ("bn_cnn", {"widths": (8.5, 8, 8)}, r"widths must be 3 positive ints"),
    ("bn_cnn", {"widths": "abc"}, r"got 'abc'"),
    ("bn_cnn", {"dropout": 2}, r"dropout must be a probability in \[0, 1\); got 2"),
    ("xception", {"widths": (8,)}, r"widths must be at least 2 positive ints"),
    ("mlp", {"hidden": (0,)}, r"hidden must be positive ints \(units per hidden layer\)"),
])
def test_network_arguments_are_checked_by_name(net, kwargs, match):
    # through module__*, they reach the constructor unchecked by the estimator's constraints
    with pytest.raises(InputError, match=match):
        get_net(net)(**kwargs)


@pytest.mark.parametrize("name", STUDY_NETS)
def test_every_network_maps_images_to_logits(name):
    shape = (64, 64) if name in ("face_baseline_cnn", "tronnet") else (28, 28)
    channels = 3 if name in ("face_baseline_cnn", "tronnet") else 1
    net = get_net(name)(in_channels=channels, n_classes=7, input_shape=shape).eval()
    out = net(torch.rand(2, channels, *shape))
    assert out.shape == (2, 7)
    assert torch.isfinite(out).all()


def test_parameter_counts_match_the_studies_and_the_default_budget():
    assert n_params(get_net("hog_study_cnn")()) == 7465  # the HOG study's reported count
    assert 100_000 <= n_params(BatchNormCNN()) <= 500_000
    # EMNIST: fc 1568 -> 600 -> 47 after conv 8 (3x3) and conv 32 (5x5), each followed by
    # BatchNorm (which makes a conv bias redundant, so the convs have none).
    emnist = get_net("emnist_cnn")(n_classes=47)
    convs = 8 * 9 + 2 * 8 + 32 * 8 * 25 + 2 * 32
    assert n_params(emnist) == convs + (1568 * 600 + 600) + (600 * 47 + 47)
    # Dense-vs-convolutional DNN: 784-128-128-64-10.
    assert n_params(MLP()) == 784 * 128 + 128 + 128 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10


def test_default_cnn_handles_tiny_and_colour_images():
    for shape in [(1, 1), (2, 2), (3, 5), (32, 32)]:
        net = BatchNormCNN(in_channels=3, n_classes=4, input_shape=shape).eval()
        assert net(torch.rand(2, 3, *shape)).shape == (2, 4)


def test_too_small_images_give_a_clear_error():
    with pytest.raises(ValueError, match="emnist_cnn cannot process 2x2 images"):
        get_net("emnist_cnn")(input_shape=(2, 2))


def test_lenet5_pads_small_images_and_keeps_its_28x28_layout():
    assert get_net("lenet5")(input_shape=(8, 8))(torch.zeros(1, 1, 8, 8)).shape == (1, 10)
    classic = get_net("lenet5")(input_shape=(28, 28))
    assert classic.features[0].padding == (2, 2)
    assert classic.head[1].in_features == 16 * 5 * 5  # LeNet-5's 400 features before fc 120


def test_mlp_activation_dropout_and_unknown_activation():
    net = MLP(hidden=(250,), activation="tanh", dropout=0.5)
    kinds = [type(m).__name__ for m in net.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear"]
    assert isinstance(get_net("mlp_tanh_250")().layers[1], torch.nn.Tanh)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(activation="swish")


# torchvision's resnet18 state-dict keys (a sample from each kind of layer)
TORCHVISION_KEYS = [
    "conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight",
    "layer1.1.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var",
    "layer4.1.conv2.weight", "fc.weight", "fc.bias",
]


def _torchvision_like_checkpoint(path):
    """A checkpoint shaped like torchvision's ImageNet resnet18 (7x7 RGB stem, 1000 classes)."""
    torch.manual_seed(1)
    source = ResNet18(in_channels=3, n_classes=1000, small_input=False)
    with torch.no_grad():
        for p in source.parameters():
            p.normal_()
    torch.save(source.state_dict(), path)
    return source


def test_resnet_keys_follow_torchvision_layout():
    keys = set(ResNet18(small_input=False).state_dict())
    assert set(TORCHVISION_KEYS) <= keys
    assert len([k for k in keys if k.endswith("weight")]) == 41  # as torchvision's resnet18


def test_resnet_loads_torchvision_weights_from_a_file_and_freezes(tmp_path):
    path = tmp_path / "resnet18.pth"
    source = _torchvision_like_checkpoint(path)
    net = ResNet18(in_channels=1, n_classes=10, small_input=True, pretrained=path, freeze=True)
    assert torch.equal(net.layer3[1].conv2.weight, source.layer3[1].conv2.weight)
    assert torch.equal(net.bn1.running_var, source.bn1.running_var)
    # The 3x3 small-input stem and the 10-class head keep their fresh initialisation.
    assert net.conv1.weight.shape == (64, 1, 3, 3)
    assert net.fc.weight.shape == (10, 512)
    trainable = {n for n, p in net.named_parameters() if p.requires_grad}
    assert trainable == {"fc.weight", "fc.bias"}


def test_resnet_grayscale_stem_sums_the_colour_channels(tmp_path):
    path = tmp_path / "resnet18.pth"
    source = _torchvision_like_checkpoint(path)
    net = ResNet18(in_channels=1, n_classes=1000, small_input=False)
    report = load_torchvision_weights(net, path)
    assert torch.allclose(net.conv1.weight, source.conv1.weight.sum(1, keepdim=True))
    assert torch.equal(net.fc.weight, source.fc.weight)
    assert report["skipped"] == [] and report["missing"] == []


def test_resnet_url_download_is_weights_only(monkeypatch, tmp_path):
    calls = {}

    def fake_download(url, **kwargs):
        calls.update(kwargs, url=url)
        return ResNet18(n_classes=1000).state_dict()

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", fake_download)
    load_torchvision_weights(ResNet18(), "https://example.org/resnet18.pth")
    assert calls["weights_only"] is True and calls["map_location"] == "cpu"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_torchvision_weights(ResNet18(), tmp_path / "missing.pth")


def _blob(n=6, size=15):
    x = torch.zeros(n, 1, size, size)
    x[:, :, 6:9, 6:9] = 1.0
    return x


def _centre_of_mass(x):
    idx = torch.arange(x.shape[-1], dtype=torch.float32)
    mass = x.sum(dim=(1, 2, 3))
    rows = (x.sum(dim=(1, 3)) * idx).sum(1) / mass
    cols = (x.sum(dim=(1, 2)) * idx).sum(1) / mass
    return rows, cols


def test_augmentation_shifts_each_image_within_the_bound():
    x = _blob()
    out = random_affine(x, shift=2, generator=torch.Generator().manual_seed(0))
    rows, cols = _centre_of_mass(out)
    assert ((rows - 7).abs() <= 2.01).all() and ((cols - 7).abs() <= 2.01).all()
    assert len(set(torch.round(cols, decimals=3).tolist())) == len(x)  # one draw per image
    assert torch.allclose(out.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)), rtol=0.05)


def test_augmentation_rotation_keeps_a_centred_pattern_centred_and_is_reproducible():
    x = _blob()
    out = random_affine(x, rotation=30, generator=torch.Generator().manual_seed(0))
    rows, cols = _centre_of_mass(out)
    assert torch.allclose(rows, torch.full_like(rows, 7.0), atol=0.05)
    assert not torch.equal(out, x)
    again = random_affine(x, rotation=30, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    assert torch.equal(random_affine(x), x)  # nothing requested: unchanged


def _rows_matching(out, reference):
    pairs = zip(out, reference, strict=True)
    return torch.tensor([torch.allclose(o, r, atol=1e-5) for o, r in pairs])


def test_hflip_mirrors_exactly_a_random_half_of_the_rows_reproducibly():
    x = torch.rand(32, 2, 7, 9)  # non-square, two channels, no symmetry
    out = random_affine(x, hflip=True, generator=torch.Generator().manual_seed(0))
    flipped = _rows_matching(out, torch.flip(x, dims=[-1]))
    kept = _rows_matching(out, x)
    assert torch.equal(flipped, ~kept)  # every row is either mirrored or untouched
    assert 8 <= int(flipped.sum()) <= 24  # about half of 32 (a fair coin per image)
    again = random_affine(x, hflip=True, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again, out)
    other = random_affine(x, hflip=True, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(_rows_matching(other, torch.flip(x, dims=[-1])), flipped)


def test_hflip_is_folded_into_the_affine_draw_and_off_changes_nothing():
    x = torch.rand(32, 1, 12, 12)
    flip_only = random_affine(x, hflip=True, generator=torch.Generator().manual_seed(0))
    flipped = _rows_matching(flip_only, torch.flip(x, dims=[-1]))
    g = torch.Generator().manual_seed(0)
    plain = random_affine(x, rotation=20, shift=2, generator=g)
    both = random_affine(x, rotation=20, shift=2, hflip=True,
                         generator=torch.Generator().manual_seed(0))
    # Sampling at A(-x, y) is the unflipped output read mirrored: same seed, same affine draws,
    # and the same rows flip as in the flip-only call.
    assert torch.equal(_rows_matching(both, torch.flip(plain, dims=[-1])), flipped)
    assert torch.equal(_rows_matching(both, plain), ~flipped)
    # hflip=False draws nothing extra: the random stream (hence training) is unchanged.
    reference = torch.Generator().manual_seed(0)
    torch.rand(32, 4, generator=reference)
    assert torch.equal(g.get_state(), reference.get_state())
    off = RandomAffine(rotation=20, shift=2, hflip=False)(x, torch.Generator().manual_seed(0))
    assert torch.equal(off, plain)


def test_alternate_hflip_mirrors_the_rows_it_is_told_and_a_random_half_alone():
    x = torch.rand(32, 1, 6, 6)
    told = torch.arange(32) % 3 == 0
    alternate = RandomAffine(rotation=0, shift=0, hflip="alternate")
    out = alternate(x, torch.Generator().manual_seed(0), flips=told)
    assert torch.equal(_rows_matching(out, torch.flip(x, dims=[-1])), told)
    assert torch.equal(_rows_matching(out, x), ~told)
    # Without an iterator to say which, it draws the flips as hflip=True does.
    alone = alternate(x, torch.Generator().manual_seed(0))
    coin = RandomAffine(rotation=0, shift=0, hflip=True)(x, torch.Generator().manual_seed(0))
    assert torch.equal(alone, coin)
    with pytest.raises(InputError, match=r"flips must be 32 booleans, one per image; got "
                                         r"torch.bool of shape \(3,\)"):
        alternate(x, flips=told[:3])
    with pytest.raises(InputError, match="got torch.int64 of shape"):
        alternate(x, flips=told.long())
    # hflip=True keeps its own coin: flips is only read for "alternate".
    again = RandomAffine(rotation=0, shift=0, hflip=True)(x, torch.Generator().manual_seed(0),
                                                          flips=told)
    assert torch.equal(again, coin)


def test_hflip_must_be_a_bool_or_alternate():
    with pytest.raises(TypeError, match="'hflip' parameter of RandomAffine must be an instance "
                                        r"of 'bool'.* a str among \{'alternate'\}"):
        RandomAffine(hflip="yes")
    assert "hflip='alternate'" in repr(RandomAffine(hflip="alternate"))
    with pytest.raises(TypeError,
                       match="'hflip' parameter of random_affine must be an instance of 'bool'"):
        random_affine(_blob(), hflip=1)
    assert repr(RandomAffine(hflip=True)) == (
        "RandomAffine(rotation=10.0, shift=2.0, scale=None, hflip=True, cutout=0)")


def test_augmentation_scale_and_callable_and_errors():
    x = _blob()
    bigger = RandomAffine(rotation=0, shift=0, scale=(1.5, 1.5))(x)
    assert bigger.sum() > 1.5 * x.sum()  # zooming in by 1.5 spreads the blob over more pixels
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        random_affine(torch.zeros(3, 5, 5), shift=1)


def test_resnet9_is_registered_and_checks_its_input_size():
    """The Myrtle recipe's ResNet-9: any channel count and class count, inputs of 8x8 and up
    (three 2x2 pools), widths of four stages, logits scaled."""
    import torch

    from skimgclf.nets import ResNet9

    assert get_net("resnet9") is ResNet9
    net = ResNet9(in_channels=3, n_classes=7, input_shape=(32, 32), widths=(4, 8, 8, 16))
    assert tuple(net(torch.zeros(3, 3, 32, 32)).shape) == (3, 7)
    assert n_params(ResNet9()) > 6_000_000  # the recipe's widths (64, 128, 256, 512): 6.6M
    with pytest.raises(InputError, match="at least 8x8"):
        ResNet9(input_shape=(7, 32))
    with pytest.raises(InputError, match=r"widths must be 4 positive ints \(channel counts\)"):
        ResNet9(widths=(8, 16, 32))
    # stem_pool: the stages run at half the resolution (64x64 composites as 32x32)
    pooled = ResNet9(in_channels=1, input_shape=(64, 64), widths=(4, 8, 8, 16), stem_pool=True)
    assert tuple(pooled.prep(torch.zeros(1, 1, 64, 64)).shape) == (1, 4, 32, 32)
    assert tuple(pooled(torch.zeros(2, 1, 64, 64)).shape) == (2, 10)
    with pytest.raises(InputError, match="at least 16x16"):
        ResNet9(input_shape=(12, 12), stem_pool=True)


def test_xception_is_registered_separable_and_checks_its_input():
    """The compact Xception: depthwise 3x3 + pointwise 1x1 convolutions, one halving per width
    after the stem (and the stem's stride), residual entry and middle blocks."""
    import torch

    from skimgclf.nets import Xception

    assert get_net("xception") is Xception
    net = Xception(in_channels=3, n_classes=4, input_shape=(32, 32), widths=(8, 16, 32),
                   n_middle=2, exit_width=24)
    assert tuple(net(torch.zeros(2, 3, 32, 32)).shape) == (2, 4)
    depthwise = [m for m in net.modules()
                 if isinstance(m, torch.nn.Conv2d) and m.groups == m.in_channels > 1]
    assert len(depthwise) == 2 * 2 + 3 * 2 + 1  # entry pairs, middle triples, exit
    assert len(net.middle) == 2
    # the same widths as full 3x3 convolutions would hold several times the weights
    assert n_params(Xception()) < 1_500_000
    with pytest.raises(InputError, match="at least 16x16"):
        Xception(input_shape=(28, 12), widths=(8, 16, 32, 64), stem_stride=2)
    with pytest.raises(InputError, match="at least 2 positive ints"):
        Xception(widths=(8,))
    with pytest.raises(InputError, match="stem_stride 1 or 2"):
        Xception(stem_stride=3)


def test_resnet9_learns_the_embedded_digits():
    """CNNClassifier(architecture="resnet9") at small widths on 8x8 digits: measured 0.991 and
    0.996 held out (seeds 0, 1) after 8 epochs; the floor is far below, far above chance."""
    from sklearn.model_selection import train_test_split

    from skimgclf.datasets import load_digits_images
    from skimgclf.neural import CNNClassifier

    d = load_digits_images()
    X_train, X_test, y_train, y_test = train_test_split(d.images, d.target, random_state=0,
                                                        stratify=d.target)
    clf = CNNClassifier(architecture="resnet9", module__widths=(16, 32, 32, 64), max_epochs=8,
                        augment=None, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.9
    xception = CNNClassifier(architecture="xception", module__widths=(16, 32),
                             module__n_middle=1, module__exit_width=32, max_epochs=8,
                             augment=None, random_state=0).fit(X_train, y_train)
    assert xception.score(X_test, y_test) > 0.9


def test_patch_whitening_decorrelates_the_patches_it_was_fitted_to():
    """Identity until fitted; then unit-variance, uncorrelated outputs on the fitting images,
    the strongest direction first; the filters are a saved buffer, never trained."""
    from skimgclf.nets import PatchWhitening

    torch.manual_seed(0)
    noise = torch.rand(50, 3, 12, 12)
    images = noise + 0.8 * noise.roll(1, dims=2) + 0.3 * noise.roll(1, dims=1)
    layer = PatchWhitening(3, patch=3)
    assert layer.out_channels == 27 and not list(layer.parameters())
    assert torch.equal(layer(images)[:, 13], images[:, 1])  # the centre pixel of channel 1
    layer.init_from_data(images)
    out = layer(images)
    assert out.shape == (50, 27, 12, 12)
    inner = out[:, :, 1:-1, 1:-1].permute(1, 0, 2, 3).reshape(27, -1)  # whole patches only
    cov = torch.cov(inner)
    torch.testing.assert_close(cov, torch.eye(27), atol=0.01, rtol=0)
    gains = layer.weight.reshape(27, -1).norm(dim=1)
    assert gains[0] < gains[-1]  # the strongest direction needs the least gain
    assert "weight" in layer.state_dict()
    with pytest.raises(InputError, match="odd positive"):
        PatchWhitening(3, patch=2)
    with pytest.raises(InputError, match=r"\(n, 3, H, W\)"):
        layer.init_from_data(torch.zeros(4, 1, 12, 12))


def test_resnet9_whiten_keeps_the_geometry_and_fits_its_first_layer():
    from skimgclf.nets import PatchWhitening, ResNet9

    net = ResNet9(in_channels=3, n_classes=4, input_shape=(32, 32), widths=(4, 8, 8, 16),
                  whiten=True)
    assert isinstance(net.prep[0], PatchWhitening)
    assert tuple(net.prep(torch.zeros(1, 3, 32, 32)).shape) == (1, 4, 32, 32)
    before = net.prep[0].weight.clone()
    net.init_from_data(torch.rand(8, 3, 32, 32))
    assert not torch.equal(before, net.prep[0].weight)
    plain = ResNet9(widths=(4, 8, 8, 16))
    plain.init_from_data(torch.rand(8, 3, 32, 32))  # nothing to fit: no error
    assert not any(isinstance(m, PatchWhitening) for m in plain.modules())


def test_cutout_zeroes_one_square_per_image_after_the_same_affine_draws():
    """A side x side square (clipped at the borders) per image, at its own place; cutout=0
    changes nothing, and the affine part draws the same numbers with or without it."""
    from skimgclf._sklearn_compat import InvalidParameterError

    ones = torch.ones(64, 2, 10, 12)
    cut = random_affine(ones, cutout=4, generator=torch.Generator().manual_seed(0))
    zeros = cut == 0
    assert torch.equal(zeros[:, 0], zeros[:, 1])  # the same square in every channel
    counts = zeros[:, 0].sum(dim=(1, 2))
    assert counts.max() == 16 and counts.min() >= 4  # whole inside, or clipped by a border
    assert len({tuple(z.nonzero()[0].tolist()) for z in zeros[:, 0] if z.any()}) > 10
    for z in zeros[:, 0]:  # one axis-aligned square (a rectangle where clipped)
        rows, cols = z.any(1).nonzero().ravel(), z.any(0).nonzero().ravel()
        assert z.sum() == len(rows) * len(cols) and len(rows) <= 4 and len(cols) <= 4
    assert torch.equal(random_affine(ones, cutout=0), ones)
    x = torch.rand(8, 1, 12, 12)
    plain = RandomAffine(rotation=20, shift=2, hflip=True)(x, torch.Generator().manual_seed(1))
    both = RandomAffine(rotation=20, shift=2, hflip=True, cutout=5)(
        x, torch.Generator().manual_seed(1))
    kept = both != 0
    assert torch.equal(both[kept], plain[kept]) and (~kept).sum() > 8 * 9
    with pytest.raises(InvalidParameterError, match="'cutout' parameter"):
        RandomAffine(cutout=-1)
    with pytest.raises(InvalidParameterError, match="'cutout' parameter"):
        RandomAffine(cutout=2.5)
