"""PyTorch networks as scikit-learn classifiers (skorch ``NeuralNetClassifier`` subclasses)."""

from .._images import reads_channels_first
from ._base import resolve_device
from ._estimators import CNNClassifier, TorchMLPClassifier

__all__ = ["CNNClassifier", "TorchMLPClassifier", "reads_channels_first", "resolve_device"]
