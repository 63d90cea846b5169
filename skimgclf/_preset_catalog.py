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
    "cnn": "the default CNN on pixels scaled to 0-1, tuned for MNIST-like digits: 99.6 % on "
           "MNIST; 91.9 % on Fashion-MNIST, 0.57 on CIFAR-10 from 5,000 images (see resnet9*)",
    "fast": "a narrow CNN, one epoch (at least 400 steps: more epochs on small data): "
            "MNIST-like digits in seconds (99.2 % on MNIST, 0.99 on the embedded digits)",
    "modified-mnist": "raw 64x64 Modified-MNIST composites (label = the largest of 2-3 digits): "
                      "the 255 rule, then a ResNet-9 on the whole image; tuned for "
                      "20,000-40,000 composites (at 20,000, fit 25-27 min on 2 cores: "
                      "93.0 % where digits overlap, 96.5 % where they do not; at 40,000, "
                      "fit about 47 min: 94.0 % overlapping, 97.0-97.3 % apart)",
    "modified-mnist-digit": "the Modified-MNIST study's own route: background removal, the "
                            "largest digit cut out to 28x28, a CNN trained with rotations "
                            "(79.9 % at 20,000 composites; capped by the extraction)",
    "resnet9": "the ResNet-9 fast-training recipe (shifts, flips, cutout, label smoothing, "
               "weight decay 0.05, flip TTA): "
               "small colour photos, classes that mirror; at least 3,200 steps "
               "(80.5 % on CIFAR-10 from 5,000 images, fit about 25 min on 2 cores)",
    "resnet9-half": "the ResNet-9 recipe at half width, 20 epochs (at least 3,000 steps: "
                    "more epochs on fewer images): large grey sets of classes that mirror "
                    "(94.6 % on Fashion-MNIST 60k, fit 24 min on 2 cores), not digits",
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
    "modified-mnist": (("background", "BackgroundRemover"), ("clf", "CNNClassifier")),
    "modified-mnist-digit": (("background", "BackgroundRemover"),
                             ("digit", "LargestDigitExtractor"), ("scale", "Normalizer"),
                             ("clf", "CNNClassifier")),
    "resnet9": (("clf", "CNNClassifier"),),
    "resnet9-half": (("clf", "CNNClassifier"),),
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
