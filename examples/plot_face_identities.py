"""
=============================================================
Face identities: class weights for an imbalanced training set
=============================================================

The face-identity study recognised 200 celebrities from an imbalanced training set, with a
class-weighted cross-entropy loss, per-channel standardisation, and a per-class evaluation
(accuracy, precision, recall, BCR and their "aggregated" mean) listing the top-5 and worst-5
classes.

Its data set is not public, so this example uses the Olivetti faces (40 people, 10 grayscale
64x64 images each, from ``shared/data``) and makes the training set imbalanced on purpose: half
of the people keep all their training images, the other half only two. The test set stays
balanced. The same CNN (the study's baseline architecture, ``face_baseline_cnn``) is trained
with ``class_weight="balanced"`` and without class weights, and both are evaluated per class
with :mod:`skimgclf.metrics`.

.. rubric:: Data and how to run it

The faces are read in place from ``olivetti-faces/olivettifaces.mat`` in the project's
``shared/data`` folder (``../../shared/data`` from this script's folder, or the folder named by
``SKIMGCLF_SHARED_DATA``) with :func:`skimgclf.datasets.load_olivetti_faces`, which raises a
``FileNotFoundError`` naming the file when it is missing. Elsewhere, point it at your copy of
``olivettifaces.mat`` (the AT&T/ORL faces as published by Sam Roweis), or take the same 400
images from scikit-learn: ``faces = sklearn.datasets.fetch_olivetti_faces()`` gives them
rescaled to floats in [0, 1] (``(faces.images * 255).round().astype("uint8")`` for 8-bit
pixels), with the same ``faces.target``.

``python plot_face_identities.py`` takes under a minute on a CPU; ``SKIMGCLF_EXAMPLES_FAST=1``
shortens the training (what CI and the documentation build do). With
``SKIMGCLF_EXAMPLES_OUT=folder`` the figure is also saved as a PNG file in
``folder/face_identities/``.
"""

# %%
# An imbalanced split of the Olivetti faces
# -----------------------------------------
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skimgclf.datasets import load_olivetti_faces
from skimgclf.metrics import per_class_metrics
from skimgclf.neural import CNNClassifier
from skimgclf.plotting import plot_per_class
from skimgclf.preprocessing import Normalizer

# The data folder, the run's size and where the figure is also saved (see the docstring).
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()  # gallery: no __file__
DATA = Path(os.environ.get("SKIMGCLF_SHARED_DATA", HERE / "../../shared/data")).resolve()
FAST = os.environ.get("SKIMGCLF_EXAMPLES_FAST", "") not in ("", "0")
OUT = os.environ.get("SKIMGCLF_EXAMPLES_OUT")
OUT = Path(OUT, "face_identities") if OUT else None

start = time.perf_counter()
faces = load_olivetti_faces(DATA / "olivetti-faces" / "olivettifaces.mat")
X_train, X_test, y_train, y_test = train_test_split(
    faces.images, faces.target, test_size=0.3, stratify=faces.target, random_state=0)

rng = np.random.RandomState(0)
people = np.unique(y_train)
minority = rng.choice(people, size=len(people) // 2, replace=False)
keep = np.ones(len(y_train), dtype=bool)
for person in minority:  # keep two training images of each minority person
    keep[np.flatnonzero(y_train == person)[2:]] = False
X_train, y_train = X_train[keep], y_train[keep]
counts = np.bincount(y_train)
print(f"mode: {'fast' if FAST else 'full'}; {len(y_train)} training images "
      f"({counts.min()} to {counts.max()} per person), {len(y_test)} test images "
      f"({len(y_test) // len(people)} per person)")

# %%
# The same network with and without class weights
# ------------------------------------------------
# ``Normalizer(mode="channel")`` standardises with the training set's mean and standard
# deviation (the study's per-channel standardisation). The CNN is trained with Adam, Xavier
# initialisation, weight decay and small random rotations, as in the study.
# ``class_weight="balanced"`` weights each person's loss by ``n_samples / (n_classes * count)``,
# so a minority person's two images weigh as much as a majority person's seven.
# ``verbose=1`` prints one line per epoch while the network trains.
params = dict(architecture="face_baseline_cnn", optimizer="adam", lr=3e-3 if FAST else 1e-3,
              weight_decay=5e-3, lr_schedule=None, init="xavier", batch_size=16,
              augment={"rotation": 10}, max_epochs=12 if FAST else 60, verbose=1,
              random_state=0)
results = {}
for weighting in (None, "balanced"):
    print(f"-- class_weight={weighting}, {params['max_epochs']} epochs:")
    model = make_pipeline(Normalizer(mode="channel"),
                          CNNClassifier(class_weight=weighting, **params))
    model.fit(X_train, y_train)
    metrics = per_class_metrics(y_test, model.predict(X_test),
                                y_score=model.predict_proba(X_test), labels=people,
                                target_names=list(faces.target_names), zero_division=0.0)
    results[weighting] = metrics
    minority_recall = metrics["recall"][np.isin(people, minority)].mean()
    majority_recall = metrics["recall"][~np.isin(people, minority)].mean()
    print(f"class_weight={weighting!s:<8}: test accuracy {metrics.accuracy_overall:.3f}, "
          f"macro recall {metrics.averages['macro']['recall']:.3f}, recall of the minority "
          f"people {minority_recall:.3f}, of the others {majority_recall:.3f}")

# %%
# What the full run gives
# -----------------------
# This page shows the fast mode (``SKIMGCLF_EXAMPLES_FAST=1``, what CI and the documentation
# build run): 12 epochs at a higher learning rate (3e-3). That is too short for the class
# weights to show: both models can end with the same accuracy, and the same recall on the
# minority people. The full run (``python plot_face_identities.py``: 60 epochs at the study's
# learning rate of 1e-3, about 15 s at one CPU thread) is where they pay off. One full run on
# a CPU (one torch thread; the last digit varies with the machine) gave:
#
# =========================  =============  =======================  ==================
# model                      test accuracy  recall, minority people  recall, the others
# =========================  =============  =======================  ==================
# ``class_weight=None``      0.858          0.767                    0.950
# ``class_weight=balanced``  0.875          0.800                    0.950
# =========================  =============  =======================  ==================
#
# The class weights raise the recall of the people with two training images and cost the
# others nothing. The study's own figures (0.62 average accuracy for its baseline CNN) are on
# 200 celebrities at 224x224 pixels, a much harder task than 40 people at 64x64.

# %%
# Per-class report: the five best and five worst people
# -----------------------------------------------------
# Ranked by the study's "aggregated" score (mean of one-vs-rest accuracy, precision, recall and
# BCR). Minority people are marked with a star.
balanced = results["balanced"]


def show(selection, title):
    print(f"\n{title}")
    print(f"{'person':<12}{'aggregate':>10}{'precision':>10}{'recall':>8}{'BCR':>7}")
    for i, name in enumerate(selection.names):
        star = "*" if selection.labels[i] in minority else " "
        print(f"{name + star:<12}{selection['aggregate'][i]:>10.3f}"
              f"{selection['precision'][i]:>10.3f}{selection['recall'][i]:>8.3f}"
              f"{selection['bcr'][i]:>7.3f}")


show(balanced.top_classes(5, by="aggregate"), "top-5 people (class_weight='balanced'):")
show(balanced.top_classes(5, by="aggregate", worst=True),
     "worst-5 people (class_weight='balanced'):")
print("\nmost confused (true -> predicted, count): " + ", ".join(
    f"{p.true}->{p.predicted} ({p.count})" for p in balanced.most_confused(3)))

# %%
# Recall per person, both models, sorted by the balanced model's recall.
fig, axes = plt.subplots(2, 1, figsize=(11, 6), sharex=False)
for ax, (weighting, metrics) in zip(axes, results.items(), strict=True):
    plot_per_class(metrics, columns=["recall", "precision"], sort_by="recall", ax=ax)
    ax.set_title(f"class_weight={weighting}")
fig.tight_layout()
if OUT:
    OUT.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / "per_class_recall.png", dpi=80)
print(f"done in {time.perf_counter() - start:.0f} s")
plt.show()

# sphinx_gallery_thumbnail_number = 1
