"""PyTorch networks as scikit-learn classifiers (skorch ``NeuralNetClassifier`` subclasses)."""

from .._images import reads_channels_first
from ._base import resolve_device
from ._distributed import init_distributed
from ._estimators import CNNClassifier, TorchMLPClassifier
from ._lr_find import LRFinderResult, lr_find
from ._pretrained import PretrainedFeatures

__all__ = ["CNNClassifier", "LRFinderResult", "PretrainedFeatures", "TorchMLPClassifier",
           "init_distributed", "lr_find", "reads_channels_first", "resolve_device"]
