"""ResNet-18 for small images, with parameter names in torchvision's layout.

torchvision is not needed: the module is built here, and weights saved by torchvision (a state
dict file or URL, e.g. ImageNet weights) load by name. Layers whose shapes differ (the stem when
it was adapted to small images, the classifier when ``n_classes`` differs) keep their fresh
initialisation.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .._sklearn_compat import HasMethods, validate_params
from ._registry import register_net

__all__ = ["ResNet18", "load_torchvision_weights"]


class _BasicBlock(nn.Module):
    """torchvision's ``BasicBlock`` (same attribute names, so the same state-dict keys)."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


@register_net(name="resnet18")
class ResNet18(nn.Module):
    """ResNet-18 (He et al., 2016) adapted to small inputs, optionally pretrained.

    With ``small_input=True`` (the default) the stem is a 3x3 stride-1 conv without the max-pool,
    so 28x28 or 32x32 images keep enough resolution; ``small_input=False`` gives torchvision's
    7x7 stride-2 stem and max-pool (for 224x224 images, as in the face-identity study).

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the input images (the estimators fill it from the data).
    n_classes : int, default=1000
        Outputs of the classifier ``fc``.
    input_shape : tuple, default=(32, 32)
        Unused by the layers (global average pooling); accepted for the registry's contract.
    small_input : bool, default=True
        The 3x3 stride-1 stem without max-pool (True) or torchvision's 7x7 stride-2 stem and
        max-pool (False).
    pretrained : str, Path or None, default=None
        A state-dict file or URL in torchvision's key layout, loaded with
        :func:`load_torchvision_weights`.
    freeze : bool, default=False
        Freeze every layer except the classifier ``fc`` (transfer learning).

    See Also
    --------
    load_torchvision_weights : Load torchvision-layout weights into it.
    skimgclf.nets.EfficientNetLite0 : A network with ImageNet weights and its own preprocessing.

    Examples
    --------
    >>> import torch
    >>> net = ResNet18(in_channels=1, n_classes=10)
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    >>> sorted(net.state_dict())[:2]
    ['bn1.bias', 'bn1.num_batches_tracked']
    """

    def __init__(self, in_channels=3, n_classes=1000, input_shape=(32, 32), small_input=True,
                 pretrained=None, freeze=False):
        super().__init__()
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        c = 64
        for i, width in enumerate((64, 128, 256, 512), start=1):
            stride = 1 if i == 1 else 2
            setattr(self, f"layer{i}", nn.Sequential(_BasicBlock(c, width, stride),
                                                     _BasicBlock(width, width)))
            c = width
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, n_classes)
        if pretrained is not None:
            load_torchvision_weights(self, pretrained)
        if freeze:
            for name, param in self.named_parameters():
                param.requires_grad = name.startswith("fc.")

    def forward(self, x):
        """Compute the logits of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            The batch.

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
            The logits.
        """
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


@validate_params(
    {"module": [HasMethods(["state_dict", "load_state_dict"])], "source": [str, Path, dict]},
    prefer_skip_nested_validation=True,
)
def load_torchvision_weights(module: nn.Module, source) -> dict[str, list[str]]:
    """Copy the weights of a torchvision-layout state dict into ``module``, by name.

    Loading uses ``weights_only=True``, so an untrusted file cannot run code. A 3-channel stem
    loaded into a 1-channel stem is summed over the colour channels (the usual grayscale
    adaptation); any other tensor whose shape differs is skipped and listed.

    Parameters
    ----------
    module : nn.Module
        For example a :class:`ResNet18`.
    source : str, Path or dict
        A file written by ``torch.save(state_dict)``, an ``http(s)://`` URL (downloaded and
        cached by ``torch.hub``) or a state dict.

    Returns
    -------
    report : dict
        ``{"loaded": [...], "skipped": [...], "missing": [...]}`` key lists.

    See Also
    --------
    ResNet18 : The network whose ``pretrained`` argument calls this function.

    Examples
    --------
    >>> import torch
    >>> src, dst = ResNet18(n_classes=1000), ResNet18(in_channels=3, n_classes=10)
    >>> report = load_torchvision_weights(dst, src.state_dict())
    >>> report["skipped"], torch.equal(dst.layer1[0].conv1.weight, src.layer1[0].conv1.weight)
    (['fc.bias', 'fc.weight'], True)
    """
    if isinstance(source, dict):
        state = source
    elif str(source).startswith(("http://", "https://")):
        state = torch.hub.load_state_dict_from_url(str(source), map_location="cpu",
                                                   weights_only=True)
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"pretrained weights file {path} does not exist")
        state = torch.load(path, map_location="cpu", weights_only=True)
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    own = module.state_dict()
    usable, skipped = {}, []
    for key, value in state.items():
        if key not in own:
            skipped.append(key)
            continue
        target = own[key]
        if value.shape != target.shape and value.ndim == 4 and value.shape[0] == target.shape[0] \
                and value.shape[2:] == target.shape[2:] and target.shape[1] == 1:
            value = value.sum(dim=1, keepdim=True)  # colour stem -> grayscale stem
        if value.shape != target.shape:
            skipped.append(key)
            continue
        usable[key] = value
    module.load_state_dict(usable, strict=False)
    missing = sorted(set(own) - set(usable))
    return {"loaded": sorted(usable), "skipped": sorted(skipped), "missing": missing}
