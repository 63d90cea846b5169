"""PyTorch networks as scikit-learn classifiers (skorch ``NeuralNetClassifier`` subclasses)."""

from .._images import reads_channels_first
from ._base import resolve_device
from ._estimators import CNNClassifier, TorchMLPClassifier
from ._pretrained import PretrainedFeatures

__all__ = ["CNNClassifier", "PretrainedFeatures", "TorchMLPClassifier", "reads_channels_first",
           "resolve_device"]
