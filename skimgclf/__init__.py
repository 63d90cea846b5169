"""skimgclf: scikit-learn compatible image classification.

Preprocessing steps for small images and PyTorch networks wrapped with skorch, all of them
scikit-learn estimators. Sub-packages: :mod:`skimgclf.datasets` (loaders, fetchers, generators),
:mod:`skimgclf.nets` (architectures and their registry), :mod:`skimgclf.metrics`,
:mod:`skimgclf.plotting` (Displays), :mod:`skimgclf.inspection` (what a fitted model holds),
:mod:`skimgclf.report`, :mod:`skimgclf.model_selection`, :mod:`skimgclf.ensemble`,
:mod:`skimgclf.cluster` (Dask).
"""

__version__ = "0.1.0.dev0"

from ._versions import show_versions
from .ensemble import BestOfNClassifier
from .metrics import per_class_metrics
from .model_selection import ComparisonTable, compare_models, make_comparison_search
from .neural import CNNClassifier, TorchMLPClassifier
from .preprocessing import BackgroundRemover, HOGFeatures, LargestDigitExtractor, Normalizer
from .report import ModelReport

__all__ = [
    "BackgroundRemover",
    "BestOfNClassifier",
    "CNNClassifier",
    "ComparisonTable",
    "HOGFeatures",
    "LargestDigitExtractor",
    "ModelReport",
    "Normalizer",
    "TorchMLPClassifier",
    "compare_models",
    "make_comparison_search",
    "per_class_metrics",
    "show_versions",
    "__version__",
]
