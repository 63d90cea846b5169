"""
=====================================================
Raw pixels, HOG features or a CNN: MNIST and Fashion
=====================================================

The raw-pixels/HOG/CNN study compared three models on MNIST and Fashion-MNIST: an MLP on the
raw pixels (784 - 250 tanh - 10, dropout 0.5, RMSprop), an MLP on HOG features (4 pixels per
cell, 8 orientations: 392 inputs, 200 hidden units) and a small CNN (conv 9 - pool - conv 9 -
pool - conv 16 - pool - dense 25: 7,465 parameters). It reported loss curves, confusion
matrices, F1 and the parameter count of each model.

Each model here is one scikit-learn estimator (the HOG model a Pipeline), trained on both data
sets with 10 % of the training images held out, so that every epoch records a validation
loss for the loss curves.

.. rubric:: Data and how to run it

MNIST and Fashion-MNIST are read in place from the project's ``shared/data`` folder
(``../../shared/data`` from this script's folder, or the folder named by
``SKIMGCLF_SHARED_DATA``) with :func:`skimgclf.datasets.load_idx_folder`, which reads the IDX
files, whole or in parts, and raises a ``FileNotFoundError`` naming what is missing. Without
that folder, download the official files once instead: replace the loading lines with
``skimgclf.datasets.fetch_mnist(subset=..., download=True)`` and ``fetch_fashion_mnist``
(cached under ``~/skimgclf_data``).

``python plot_raw_hog_cnn.py`` takes a long while on a CPU (30 epochs of six models on 60,000
images); ``SKIMGCLF_EXAMPLES_FAST=1`` shrinks the data and the training to a tiny run (what CI
and the documentation build do). With ``SKIMGCLF_EXAMPLES_OUT=folder`` the figures are also
saved as PNG files in ``folder/raw_hog_cnn/``.
"""

# %%
# The three models
# ----------------
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skimgclf.datasets import load_idx_folder
from skimgclf.inspection import parameter_counts
from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.plotting import plot_confusion_matrix, plot_loss_curves
from skimgclf.preprocessing import HOGFeatures

# The data folder, the run's size and where the figures are also saved (see the docstring).
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()  # gallery: no __file__
DATA = Path(os.environ.get("SKIMGCLF_SHARED_DATA", HERE / "../../shared/data")).resolve()
FAST = os.environ.get("SKIMGCLF_EXAMPLES_FAST", "") not in ("", "0")
OUT = os.environ.get("SKIMGCLF_EXAMPLES_OUT")
OUT = Path(OUT, "raw_hog_cnn") if OUT else None

start = time.perf_counter()
print(f"mode: {'fast' if FAST else 'full'}")

# verbose=1 prints one line per epoch while a network trains.
EPOCHS = 4 if FAST else 30
BATCH = 64 if FAST else 256
common = dict(validation_fraction=0.1, max_epochs=EPOCHS, verbose=1, random_state=0)
models = {
    "raw MLP": TorchMLPClassifier(hidden_sizes=(250,), activation="tanh", dropout=0.5,
                                  optimizer="rmsprop", lr=1e-3, batch_size=BATCH, **common),
    "HOG + MLP": make_pipeline(
        HOGFeatures(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
        TorchMLPClassifier(hidden_sizes=(200,), activation="relu", optimizer="rmsprop",
                           lr=1e-3, batch_size=BATCH, **common),
    ),
    "CNN": CNNClassifier(architecture="hog_study_cnn", batch_size=32 if FAST else 128,
                         **common),
}

# %%
# Fit and evaluate on each data set
# ---------------------------------
# Accuracy and macro F1 on the test images, the parameter count of each model, then a figure
# per data set: confusion matrices (top) and loss curves per epoch (bottom).
for data_name in ("mnist", "fashion-mnist"):
    train = load_idx_folder(DATA / data_name, subset="train")
    test = load_idx_folder(DATA / data_name, subset="test")
    X, y, X_test, y_test = train.images, train.target, test.images, test.target
    if FAST:  # stratified subsets
        X, _, y, _ = train_test_split(X, y, train_size=1_500, stratify=y, random_state=0)
        X_test, _, y_test, _ = train_test_split(X_test, y_test, train_size=500,
                                                stratify=y_test, random_state=0)
    print(f"\n== {data_name}: {len(y)} training (10 % for validation) / {len(y_test)} test ==")
    fig, axes = plt.subplots(2, 3, figsize=(14, 8.5))
    for j, (model_name, template) in enumerate(models.items()):
        print(f"-- {model_name}, {EPOCHS} epochs:")
        model = clone(template).fit(X, y)
        predicted = model.predict(X_test)
        accuracy = (predicted == y_test).mean()
        f1 = f1_score(y_test, predicted, average="macro")
        n_params = sum(row.count for row in parameter_counts(model))
        print(f"{data_name} {model_name:<10}: test accuracy {accuracy:.3f}, macro F1 {f1:.3f}, "
              f"{n_params:,} parameters")
        plot_confusion_matrix(y_test, predicted, ax=axes[0, j], colorbar=False)
        axes[0, j].set_title(f"{model_name}: accuracy {accuracy:.3f}")
        plot_loss_curves(model, ax=axes[1, j])
    fig.suptitle(data_name)
    fig.tight_layout()
    if OUT:
        OUT.mkdir(parents=True, exist_ok=True)
        fig.savefig(OUT / f"{data_name}.png", dpi=80)

print(f"\ndone in {time.perf_counter() - start:.0f} s")
plt.show()
