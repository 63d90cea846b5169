"""Named, ready-made pipelines: the models the demo compares and the CLI trains by name.

Each preset is an ordinary scikit-learn Pipeline built from skimgclf steps; ``make_model`` returns
a fresh one, and ``set_params`` / ``GridSearchCV`` tune it like any other.
"""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

__all__ = ["MODEL_PRESETS", "make_model", "hog_cell_size"]

MODEL_PRESETS = {
    "logreg": "logistic regression on raw pixels scaled to 0-1",
    "hog-logreg": "HOG features, standardised, then logistic regression",
    "mlp": "torch MLP on raw pixels scaled to 0-1",
    "hog-mlp": "HOG features, standardised, then a torch MLP (the HOG study)",
    "cnn": "the default CNN on pixels scaled to 0-1",
}


def hog_cell_size(image_side):
    """HOG ``pixels_per_cell`` for images of this side: ~4x4 cells across the image.

    Examples
    --------
    >>> hog_cell_size(8), hog_cell_size(28), hog_cell_size(64)
    ((2, 2), (7, 7), (16, 16))
    """
    side = max(2, int(image_side) // 4)
    return (side, side)


def make_model(name, *, image_side=28, random_state=None, max_epochs=None):
    """A fresh pipeline for a preset name (see ``MODEL_PRESETS``).

    Parameters
    ----------
    name : str
        One of ``MODEL_PRESETS``.
    image_side : int, default=28
        Side of the (square) images, to size the HOG cells.
    random_state : int or None
        Seed of the models that have randomness.
    max_epochs : int or None
        Epochs of the neural networks (None: their default).

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> make_model("hog-logreg", image_side=8).named_steps["hog"].pixels_per_cell
    (2, 2)
    >>> make_model("resnet")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'resnet'; choose one of: cnn, hog-logreg, hog-mlp, logreg, mlp
    """
    from .neural import CNNClassifier, TorchMLPClassifier
    from .preprocessing import HOGFeatures, Normalizer, flatten_images

    if name not in MODEL_PRESETS:
        raise ValueError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(MODEL_PRESETS))}"
        )
    epochs = {} if max_epochs is None else {"max_epochs": max_epochs}

    def hog():
        return [
            ("hog", HOGFeatures(pixels_per_cell=hog_cell_size(image_side), cells_per_block=(2, 2))),
            ("std", StandardScaler()),
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
        "cnn": lambda: scale + [("clf", CNNClassifier(random_state=random_state, **epochs))],
    }[name]()
    return Pipeline(steps)
