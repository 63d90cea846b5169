"""What each model preset is, in words and step names, without importing scikit-learn.

:mod:`skimgclf.presets` builds the pipelines; this table describes them, so that the command
line can show the presets and their steps in ``--help`` at once. ``tests/test_cli_params.py``
checks that every preset :func:`~skimgclf.presets.make_model` builds has exactly these steps.
"""

from __future__ import annotations

__all__ = ["MODEL_PRESETS", "PRESET_STEPS", "describe_steps"]

MODEL_PRESETS = {
    "logreg": "logistic regression on raw pixels scaled to 0-1",
    "hog-logreg": "HOG features, standardised, then logistic regression",
    "mlp": "torch MLP on raw pixels scaled to 0-1",
    "hog-mlp": "HOG features, standardised, then a torch MLP (the HOG study)",
    "cnn": "the default CNN on pixels scaled to 0-1",
    "fast": "a narrow CNN, one epoch (at least 400 steps: more epochs on small data): "
            "MNIST-like digits in seconds (99.2 % on MNIST, 0.99 on the embedded digits)",
    "modified-mnist": "the Modified-MNIST study on raw 64x64 composites: background removal, "
                      "largest digit, a CNN trained with rotations",
    "pretrained": "frozen ImageNet features (EfficientNet-Lite0 at 128 px), standardised, then "
                  "logistic regression: the best route on small colour sets (0.76 on CIFAR-10 "
                  "from 5,000 images); needs the pretrained extra",
}

# Preset -> its Pipeline steps, (step name, class name), in order; the classifier is "clf".
PRESET_STEPS = {
    "logreg": (("scale", "Normalizer"), ("flatten", "FunctionTransformer"),
               ("clf", "LogisticRegression")),
    "hog-logreg": (("hog", "HOGFeatures"), ("std", "StandardScaler"),
                   ("clf", "LogisticRegression")),
    "mlp": (("scale", "Normalizer"), ("clf", "TorchMLPClassifier")),
    "hog-mlp": (("hog", "HOGFeatures"), ("std", "StandardScaler"), ("clf", "TorchMLPClassifier")),
    "cnn": (("scale", "Normalizer"), ("clf", "CNNClassifier")),
    "fast": (("scale", "Normalizer"), ("clf", "CNNClassifier")),
    "modified-mnist": (("background", "BackgroundRemover"), ("digit", "LargestDigitExtractor"),
                       ("scale", "Normalizer"), ("clf", "CNNClassifier")),
    "pretrained": (("features", "PretrainedFeatures"), ("std", "StandardScaler"),
                   ("clf", "LogisticRegression")),
}


def describe_steps(name):
    """The steps of a preset in one line.

    Examples
    --------
    >>> describe_steps("hog-logreg")
    'hog=HOGFeatures -> std=StandardScaler -> clf=LogisticRegression'
    """
    return " -> ".join(f"{step}={cls}" for step, cls in PRESET_STEPS[name])
