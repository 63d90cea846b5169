"""Image preprocessing transformers: background removal, digit extraction, component sizes, HOG,
normalisation.

Each transformer is a thin scikit-learn estimator around a plain function holding the logic
(``remove_background``, ``extract_largest_digit``, ``component_size_map``, ``hog_features``,
``normalize_images``).
``flatten_images`` turns image arrays into the flat rows scikit-learn's own classifiers take
(``FunctionTransformer(flatten_images)`` in a Pipeline).
"""

from .._images import flatten_images
from ._background import BackgroundRemover, otsu_thresholds, remove_background
from ._digit import LargestDigitExtractor, extract_largest_digit
from ._hog import HOGFeatures, hog_features
from ._normalizer import Normalizer, image_statistics, normalize_images
from ._sizes import ComponentSizeMap, component_size_map

__all__ = [
    "BackgroundRemover",
    "ComponentSizeMap",
    "HOGFeatures",
    "LargestDigitExtractor",
    "Normalizer",
    "component_size_map",
    "extract_largest_digit",
    "flatten_images",
    "hog_features",
    "image_statistics",
    "normalize_images",
    "otsu_thresholds",
    "remove_background",
]
