"""
=====================================================
Dense versus convolutional networks: MNIST, CIFAR-10
=====================================================

The dense-vs-convolutional study compared a fully connected network (hidden layers 128, 128,
64, ReLU, He initialisation, Adam, batch 128) with a CNN of a single convolution (3 filters
3x3) feeding the same kind of dense head (128, 64), on MNIST, CIFAR-10 and SVHN, by accuracy,
per-class F1 and per-class *area ratio* (from the lift curve; it equals ``2 * AUC - 1``), with
support-weighted averages.

Both networks are registered in :mod:`skimgclf.nets` (``"mlp"`` and ``"one_conv_cnn"``), and
:func:`skimgclf.metrics.per_class_metrics` computes every figure of the study. MNIST comes
from its IDX files; for CIFAR-10 only the 10,000 official *test* images are in ``shared/data``,
so they are split here into a training and a test part (stratified).

Set ``SKIMGCLF_EXAMPLES_FAST=1`` for a tiny run (what CI does).
"""

# %%
# The two networks
# ----------------
import time

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no window is opened
import matplotlib.pyplot as plt
from _shared_data import (
    is_fast,
    load_cifar10_test,
    load_mnist_like,
    output_dir,
    pick,
    stratified_subset,
)
from sklearn.model_selection import train_test_split

from skimgclf.metrics import per_class_metrics
from skimgclf.nets import list_nets
from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.plotting import plot_per_class

start = time.perf_counter()
out = output_dir("dense_vs_conv")
print(f"mode: {'fast' if is_fast() else 'full'}")
print(f"registered networks: {', '.join(list_nets())}")

EPOCHS = pick(3, 10)
common = dict(optimizer="adam", lr=1e-3, batch_size=128, max_epochs=EPOCHS, init="kaiming",
              random_state=0)
models = {
    "DNN": TorchMLPClassifier(architecture="mlp", hidden_sizes=(128, 128, 64),
                              activation="relu", **common),
    "CNN": CNNClassifier(architecture="one_conv_cnn", weight_decay=None, lr_schedule=None,
                         augment=None, **common),
}

# %%
# The data sets
# -------------
X_mnist, y_mnist = load_mnist_like("mnist", "train", n_parts=pick(1, 6))
X_mnist, y_mnist = stratified_subset(X_mnist, y_mnist, pick(1_500, 60_000))
X_mnist_test, y_mnist_test = load_mnist_like("mnist", "test")
X_mnist_test, y_mnist_test = stratified_subset(X_mnist_test, y_mnist_test, pick(500, 10_000))

cifar = load_cifar10_test(n_parts=pick(2, 10))
X_cifar, X_cifar_test, y_cifar, y_cifar_test = train_test_split(
    cifar.images, cifar.target, test_size=0.25, stratify=cifar.target, random_state=0)

datasets = {
    "MNIST": (X_mnist, y_mnist, X_mnist_test, y_mnist_test, [str(d) for d in range(10)]),
    "CIFAR-10": (X_cifar, y_cifar, X_cifar_test, y_cifar_test, list(cifar.target_names)),
}

# %%
# Fit, then F1 and area ratio per class
# -------------------------------------
# ``y_score=predict_proba`` gives the area ratio; ``labels=classes_`` keeps the score columns
# and the rows aligned.
for data_name, (X, y, X_test, y_test, names) in datasets.items():
    print(f"\n== {data_name}: {len(y)} training / {len(y_test)} test images ==")
    table = {}
    for model_name, model in models.items():
        model.fit(X, y)
        table[model_name] = per_class_metrics(
            y_test, model.predict(X_test), y_score=model.predict_proba(X_test),
            labels=model.classes_, target_names=names, zero_division=0.0)
    print(f"{'class':<12}" + "".join(f"{m + ' F1':>9}" for m in table)
          + "".join(f"{m + ' AR':>9}" for m in table))
    for i, name in enumerate(names):
        print(f"{name:<12}" + "".join(f"{m['f1'][i]:>9.3f}" for m in table.values())
              + "".join(f"{m['area_ratio'][i]:>9.3f}" for m in table.values()))
    weighted = {k: m.averages["weighted"] for k, m in table.items()}
    print(f"{'weighted':<12}" + "".join(f"{w['f1']:>9.3f}" for w in weighted.values())
          + "".join(f"{w['area_ratio']:>9.3f}" for w in weighted.values()))
    print(f"{data_name} test accuracy: " + ", ".join(
        f"{k} {m.accuracy_overall:.3f}" for k, m in table.items()))

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.5), sharey=True)
    for ax, (model_name, metrics) in zip(axes, table.items(), strict=True):
        plot_per_class(metrics, columns=["f1", "area_ratio"], ax=ax)
        ax.set_title(f"{data_name}, {model_name}")
    fig.tight_layout()
    fig.savefig(out / f"per_class_{data_name.lower().replace('-', '')}.png", dpi=80)
    plt.close(fig)

print(f"\nfigures in {out}; done in {time.perf_counter() - start:.0f} s")
