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
sets from ``shared/data`` with 10 % of the training images held out, so that every epoch
records a validation loss for the loss curves. Figures go to ``SKIMGCLF_EXAMPLES_OUT``
(default: a folder in the temporary directory).

Set ``SKIMGCLF_EXAMPLES_FAST=1`` for a tiny run (what CI does).
"""

# %%
# The three models
# ----------------
import time

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no window is opened
import matplotlib.pyplot as plt
from _shared_data import is_fast, load_mnist_like, output_dir, pick, stratified_subset
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline

from skimgclf.inspection import parameter_counts
from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.plotting import plot_confusion_matrix, plot_loss_curves
from skimgclf.preprocessing import HOGFeatures

start = time.perf_counter()
out = output_dir("raw_hog_cnn")
print(f"mode: {'fast' if is_fast() else 'full'}")

EPOCHS = pick(4, 30)
common = dict(validation_fraction=0.1, max_epochs=EPOCHS, random_state=0)
models = {
    "raw MLP": TorchMLPClassifier(hidden_sizes=(250,), activation="tanh", dropout=0.5,
                                  optimizer="rmsprop", lr=1e-3, batch_size=pick(64, 256),
                                  **common),
    "HOG + MLP": make_pipeline(
        HOGFeatures(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
        TorchMLPClassifier(hidden_sizes=(200,), activation="relu", optimizer="rmsprop",
                           lr=1e-3, batch_size=pick(64, 256), **common),
    ),
    "CNN": CNNClassifier(architecture="hog_study_cnn", batch_size=pick(32, 128), **common),
}

# %%
# Fit and evaluate on each data set
# ---------------------------------
# Accuracy and macro F1 on the test images, the parameter count of each model, then a figure
# per data set: confusion matrices (top) and loss curves per epoch (bottom).
for data_name in ("mnist", "fashion-mnist"):
    X, y = load_mnist_like(data_name, "train", n_parts=pick(1, None))
    X, y = stratified_subset(X, y, pick(1_500, 60_000))
    X_test, y_test = load_mnist_like(data_name, "test")
    X_test, y_test = stratified_subset(X_test, y_test, pick(500, 10_000))
    print(f"\n== {data_name}: {len(y)} training (10 % for validation) / {len(y_test)} test ==")
    fig, axes = plt.subplots(2, 3, figsize=(14, 8.5))
    for j, (model_name, template) in enumerate(models.items()):
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
    fig.savefig(out / f"{data_name}.png", dpi=80)
    plt.close(fig)

print(f"\nfigures in {out}; done in {time.perf_counter() - start:.0f} s")
