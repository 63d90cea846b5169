"""Network architectures and their registry.

``get_net(name)`` returns a constructor taking ``in_channels``, ``n_classes`` and
``input_shape`` (filled from the data by :class:`skimgclf.neural.CNNClassifier`) plus the
architecture's own arguments (reachable as ``module__<name>`` on the estimators).

Registered: ``bn_cnn`` (the default CNN), ``lenet5``, ``emnist_cnn``, ``face_baseline_cnn``,
``tronnet``, ``one_conv_cnn``, ``hog_study_cnn``, ``resnet18``, ``resnet9`` (the Myrtle
fast-training recipe's network), ``xception`` (a compact
depthwise-separable network), ``efficientnet_lite0``
(ImageNet weights with the ``pretrained`` extra), ``mlp``, ``mlp_tanh_250``.

A network with a method ``init_from_data(x)`` gets it called once before its first training
step, with up to 2,000 training images as it sees them (e.g. :class:`PatchWhitening`, the
whitened first layer of ``resnet9(whiten=True)``).
"""

from ._registry import get_net, list_nets, register_net
from .cnn import (
    BatchNormCNN,
    emnist_cnn,
    face_baseline_cnn,
    hog_study_cnn,
    lenet5,
    one_conv_cnn,
    tronnet,
)
from .efficientnet import EfficientNetLite0
from .mlp import MLP, mlp_tanh_250
from .resnet import ResNet18, load_torchvision_weights
from .resnet9 import ResNet9
from .whitening import PatchWhitening
from .xception import Xception

__all__ = [
    "MLP",
    "BatchNormCNN",
    "EfficientNetLite0",
    "PatchWhitening",
    "ResNet18",
    "ResNet9",
    "Xception",
    "emnist_cnn",
    "face_baseline_cnn",
    "get_net",
    "hog_study_cnn",
    "lenet5",
    "list_nets",
    "load_torchvision_weights",
    "mlp_tanh_250",
    "one_conv_cnn",
    "register_net",
    "tronnet",
]
