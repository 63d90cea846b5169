"""skimgclf: scikit-learn compatible image classification.

Preprocessing steps for small images and PyTorch networks wrapped with skorch, all of them
scikit-learn estimators. Sub-packages: :mod:`skimgclf.datasets` (loaders, fetchers, generators),
:mod:`skimgclf.nets` (architectures and their registry), :mod:`skimgclf.metrics`,
:mod:`skimgclf.plotting` (Displays), :mod:`skimgclf.inspection` (what a fitted model holds),
:mod:`skimgclf.report`, :mod:`skimgclf.model_selection`, :mod:`skimgclf.ensemble`,
:mod:`skimgclf.cluster` (Dask).
"""

__version__ = "0.1.0.dev0"

import importlib

# Public name -> the submodule that defines it. Imported on first use (PEP 562), as scikit-learn
# and scikit-image do, so that ``import skimgclf`` (and ``skimgclf --help``) loads neither torch
# nor skorch nor matplotlib until a network or a figure is asked for.
_LAZY = {
    "BackgroundRemover": "preprocessing",
    "BestOfNClassifier": "ensemble",
    "CNNClassifier": "neural",
    "ComparisonTable": "model_selection",
    "ComponentSizeMap": "preprocessing",
    "HOGFeatures": "preprocessing",
    "LargestDigitExtractor": "preprocessing",
    "ModelReport": "report",
    "Normalizer": "preprocessing",
    "PretrainedFeatures": "neural",
    "TorchMLPClassifier": "neural",
    "compare_models": "model_selection",
    "make_comparison_search": "model_selection",
    "per_class_metrics": "metrics",
    "show_versions": "_versions",
}
_SUBMODULES = (
    "cluster", "datasets", "demo", "ensemble", "exceptions", "export", "inspection", "metrics",
    "model_selection", "nets", "neural", "persistence", "plotting", "preprocessing", "presets",
    "report",
)

__all__ = [*_LAZY, "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
