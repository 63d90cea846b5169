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
images: about 16 minutes at one torch thread); ``SKIMGCLF_EXAMPLES_FAST=1`` shrinks the data
and the training to a tiny run (what CI and the documentation build do). With
``SKIMGCLF_EXAMPLES_OUT=folder`` the figures are also saved as PNG files in
``folder/raw_hog_cnn/``.
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
# Accuracy and macro F1 on the test images and the parameter count of each model. Every
# fitted model and its predictions are kept for the figures below.
results = {}
for data_name in ("mnist", "fashion-mnist"):
    train = load_idx_folder(DATA / data_name, subset="train")
    test = load_idx_folder(DATA / data_name, subset="test")
    X, y, X_test, y_test = train.images, train.target, test.images, test.target
    if FAST:  # stratified subsets
        X, _, y, _ = train_test_split(X, y, train_size=1_500, stratify=y, random_state=0)
        X_test, _, y_test, _ = train_test_split(X_test, y_test, train_size=500,
                                                stratify=y_test, random_state=0)
    print(f"\n== {data_name}: {len(y)} training (10 % for validation) / {len(y_test)} test ==")
    results[data_name] = {}
    for model_name, template in models.items():
        print(f"-- {model_name}, {EPOCHS} epochs:")
        model = clone(template).fit(X, y)
        predicted = model.predict(X_test)
        accuracy = (predicted == y_test).mean()
        f1 = f1_score(y_test, predicted, average="macro")
        n_params = sum(row.count for row in parameter_counts(model))
        print(f"{data_name} {model_name:<10}: test accuracy {accuracy:.3f}, macro F1 {f1:.3f}, "
              f"{n_params:,} parameters")
        results[data_name][model_name] = (model, y_test, predicted, accuracy)

# %%
# What the full run gives
# -----------------------
# This page shows the fast mode (``SKIMGCLF_EXAMPLES_FAST=1``, what CI and the documentation
# build run): 1,350 training images and 4 epochs per model. That is too little for the CNN:
# its 7,465 parameters learn from scratch what the hand-made HOG features give the HOG + MLP
# for free, so in fast mode the CNN can score *below* the HOG model (and the raw MLP), the
# opposite of the study. The full run (``python plot_raw_hog_cnn.py``: all 60,000 training
# images, 10 % of them for validation, 30 epochs, larger batches) is close to the study's
# setting, where the study reported about 98.2 % (raw MLP), up to 98.4 % (HOG + MLP) and up
# to 98.99 % (CNN) on MNIST, and 90.55 % for its best Fashion-MNIST CNN.
#
# One full run on a CPU (one torch thread, 16 minutes; the last digit varies with the machine)
# gave these test accuracies, in the study's order: the CNN first, then HOG + MLP, then the
# raw MLP.
#
# =============  =======  =========  =====
# data set       raw MLP  HOG + MLP  CNN
# =============  =======  =========  =====
# MNIST          0.976    0.980      0.994
# Fashion-MNIST  0.874    0.881      0.891
# =============  =======  =========  =====
#
# The figures below are those of this page's run, one per cell: the confusion matrices, then
# the loss curves, for MNIST and then for Fashion-MNIST.


def confusion_matrices(data_name):
    """The three models' confusion matrices on one data set's test images, side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.5), layout="constrained")
    for ax, (model_name, (_, y_true, predicted, accuracy)) in zip(
            axes, results[data_name].items(), strict=True):
        plot_confusion_matrix(y_true, predicted, ax=ax, colorbar=False)
        ax.set_title(f"{model_name}: test accuracy {accuracy:.3f}")
    fig.suptitle(f"{data_name}: confusion matrices (rows: true class, columns: predicted)")
    if OUT:
        OUT.mkdir(parents=True, exist_ok=True)
        fig.savefig(OUT / f"{data_name}_confusion.png", dpi=80)


def loss_curves(data_name):
    """The three models' training and validation loss per epoch on one data set, stacked."""
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), layout="constrained")
    for ax, (model_name, (model, *_)) in zip(axes, results[data_name].items(), strict=True):
        plot_loss_curves(model, ax=ax)
        ax.set_title(model_name)
    fig.suptitle(f"{data_name}: loss (left axis) and validation accuracy (right axis) per epoch")
    if OUT:
        OUT.mkdir(parents=True, exist_ok=True)
        fig.savefig(OUT / f"{data_name}_loss.png", dpi=80)


# %%
# MNIST: confusion matrices
# -------------------------
# Rows are the true digits, columns the predicted ones; the diagonal holds the correct
# predictions.
confusion_matrices("mnist")

# %%
# MNIST: loss curves
# ------------------
# Training loss (on the 90 % fitted) and validation loss (on the 10 % held out) per epoch.
loss_curves("mnist")

# %%
# Fashion-MNIST: confusion matrices
# ---------------------------------
# Shirts, T-shirts, pullovers and coats (classes 6, 0, 2 and 4) are the usual confusions.
confusion_matrices("fashion-mnist")

# %%
# Fashion-MNIST: loss curves
# --------------------------
loss_curves("fashion-mnist")

print(f"\ndone in {time.perf_counter() - start:.0f} s")
plt.show()

# sphinx_gallery_thumbnail_number = 1
