"""Bad inputs to the transformers: the exact error type and a message that says the fix."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.preprocessing import (
    BackgroundRemover,
    ComponentSizeMap,
    HOGFeatures,
    LargestDigitExtractor,
    Normalizer,
)

GRAY = np.zeros((3, 28, 28), dtype=np.uint8)
RGB = np.zeros((3, 32, 32, 3), dtype=np.uint8)

CASES = [
    ("threshold string", lambda: BackgroundRemover(threshold="mean").fit(GRAY),
     InvalidParameterError,
     "The 'threshold' parameter of BackgroundRemover must be a finite number or "
     "a str among {'otsu'}. Got 'mean' instead."),
    # NaN compares false with every pixel (every image would come out blank), True is not 1
    ("threshold NaN", lambda: BackgroundRemover(threshold=np.nan).fit(GRAY),
     InvalidParameterError, "The 'threshold' parameter of BackgroundRemover must be a finite "
                            "number or a str among {'otsu'}. Got nan instead."),
    ("threshold True", lambda: BackgroundRemover(threshold=True).fit(GRAY),
     InvalidParameterError, "Got True instead."),
    ("fill NaN", lambda: BackgroundRemover(fill=np.nan).fit(GRAY),
     InvalidParameterError, "The 'fill' parameter of BackgroundRemover must be a finite number."),
    ("fill beyond float16", lambda: BackgroundRemover(fill=1e6).fit_transform(
        GRAY.astype(np.float16)),
     ValueError, "fill=1000000.0 cannot be stored in float16 images (largest value 65504)"),
    *[(f"{type(step).__name__}: n_jobs=0", lambda step=step: step.fit(GRAY),
       InvalidParameterError, f"The 'n_jobs' parameter of {type(step).__name__} must be an int "
                              "other than 0")
      for step in (HOGFeatures(n_jobs=0), LargestDigitExtractor(n_jobs=0),
                   ComponentSizeMap(n_jobs=0))],
    ("statistics past float64", lambda: Normalizer(mode="channel").fit(
        np.full((4, 8, 8), 1e300) * np.arange(4)[:, None, None]),
     ValueError, "the pixel values are too large for their channel mean and standard deviation "
                 "(they overflow float64)"),
    ("fill out of uint8 range", lambda: BackgroundRemover(fill=-1).fit_transform(GRAY),
     ValueError,
     "fill=-1 cannot be stored in uint8 images (range 0..255); pass an integer fill in that "
     "range or convert X to float"),
    ("NaN pixels", lambda: BackgroundRemover().fit(np.full((2, 4), np.nan)),
     ValueError, "Input X contains NaN."),
    ("empty input", lambda: Normalizer().fit(np.zeros((0, 784))),
     ValueError, "Found array with 0 sample(s) (shape=(0, 784)) while a minimum of 1 is required"),
    ("5-D input", lambda: BackgroundRemover().fit(np.zeros((2, 2, 2, 2, 2))),
     ValueError, "X must be 2-D (n_samples, n_pixels), 3-D (n, H, W) or 4-D (n, H, W, C) images; "
                 "got an array of shape (2, 2, 2, 2, 2)"),
    ("flat width not square", lambda: LargestDigitExtractor().fit(np.zeros((2, 785))),
     ValueError, "X has 785 features per sample, which is not a square image; pass "
                 "image_shape=(H, W) or (H, W, C)"),
    ("unknown heuristic", lambda: LargestDigitExtractor(heuristic="area").fit(GRAY),
     InvalidParameterError, "The 'heuristic' parameter of LargestDigitExtractor must be a str "
                            "among"),
    ("min_size 0", lambda: LargestDigitExtractor(min_size=0).fit(GRAY),
     InvalidParameterError, "The 'min_size' parameter of LargestDigitExtractor must be an int in "
                            "the range [1, inf). Got 0 instead."),
    ("output_shape 1-D", lambda: LargestDigitExtractor(output_shape=(28,)).fit(GRAY),
     ValueError, "output_shape must be (height, width) with positive integers; got (28,)"),
    ("margin too wide", lambda: LargestDigitExtractor(margin=14).fit(GRAY),
     ValueError, "margin=14 leaves no room in output_shape=(28, 28); use a margin below 14"),
    ("image shape changes", lambda: LargestDigitExtractor().fit(GRAY).transform(
        np.zeros((2, 30, 30))),
     ValueError, "X has 900 features, but LargestDigitExtractor is expecting 784 features as "
                 "input: the image shape differs (images of 30x30x1 now, 28x28x1 at fit)"),
    ("size map: NaN pixels", lambda: ComponentSizeMap().fit_transform(np.full((2, 16), np.nan)),
     ValueError, "Input X contains NaN."),
    ("size map: image shape changes", lambda: ComponentSizeMap().fit(GRAY).transform(
        np.zeros((2, 30, 30))),
     ValueError, "X has 900 features, but ComponentSizeMap is expecting 784 features as "
                 "input: the image shape differs (images of 30x30x1 now, 28x28x1 at fit)"),
    ("size map: integers beyond 0-255", lambda: ComponentSizeMap().fit_transform(
        np.full((2, 4, 4), 300, dtype=np.int16)),
     ValueError, "ComponentSizeMap reads integer images as 0-255 pixel values, but X (int16) "
                 "holds values from 300 to 300"),
    ("images smaller than a block", lambda: HOGFeatures().fit(np.zeros((2, 16, 16))),
     ValueError, "images of 16x16 pixels are too small for one HOG block of cells_per_block=(3, 3)"
                 " cells of pixels_per_cell=(8, 8) pixels; use smaller cells or blocks"),
    ("zero pixels per cell", lambda: HOGFeatures(pixels_per_cell=(0, 4)).fit(GRAY),
     ValueError, "pixels_per_cell must be two positive integers; got (0, 4)"),
    ("sqrt of negative pixels", lambda: HOGFeatures(transform_sqrt=True).fit(GRAY - 1.0),
     ValueError, "transform_sqrt=True takes the square root of the pixels, but X has negative "
                 "values; rescale X to non-negative values or set transform_sqrt=False"),
    ("colour channel count changes", lambda: HOGFeatures().fit(RGB).transform(
        RGB[..., :2]),
     ValueError, "X has 2048 features, but HOGFeatures is expecting 3072 features as input: the "
                 "channel count differs (images of 32x32x2 now, 32x32x3 at fit)"),
    ("unknown mode", lambda: Normalizer(mode="minmax").fit(GRAY),
     InvalidParameterError, "The 'mode' parameter of Normalizer must be a str among"),
    ("transform before fit", lambda: Normalizer(mode="channel").transform(GRAY),
     NotFittedError, "This Normalizer instance is not fitted yet. Call 'fit' with appropriate "
                     "arguments before using this estimator."),
    ("flat colour rows of the wrong size", lambda: Normalizer(
        mode="channel", image_shape=(32, 32, 3)).fit(np.zeros((2, 3000))),
     ValueError, "X has 3000 features per sample, but image_shape=(32, 32, 3) holds 3072 pixels; "
                 "pass the image_shape of your data"),
]


@pytest.mark.parametrize(("fn", "error", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(fn, error, message):
    with pytest.raises(error, match=re.escape(message)):
        fn()


def test_there_are_at_least_twelve_bad_inputs():
    assert len(CASES) >= 12


@pytest.mark.parametrize("step", [BackgroundRemover(), Normalizer(), LargestDigitExtractor(),
                                  ComponentSizeMap()], ids=lambda step: type(step).__name__)
def test_table_output_of_images_is_refused_by_name_and_flat_rows_pass(step):
    """pandas or polars output (set_output, or the global transform_output) is a table of
    flat rows: images in another layout are named, not handed to pandas to fail on."""
    from sklearn import config_context

    images = np.zeros((4, 28, 28), dtype=np.uint8)
    images[:, 8:20, 10:16] = 255
    step.fit(images)
    with config_context(transform_output="pandas"):
        with pytest.raises(ValueError, match=r"pandas output .* in the \(n, H, W\) layout"):
            step.transform(images)
    # the default container takes any layout
    assert step.transform(images).shape[:3] == (4, 28, 28)
