"""
==========================================================
A table of trials: CNN widths and learning rates, searched
==========================================================

The EMNIST study tuned its CNN (conv 8 - BN - pool - conv 32 - BN - pool - fc 600 - dropout -
output) by tables of trials over channel widths, fc width, dropout, batch size and learning
rate, each row with its validation accuracy, and reported the test accuracy of the best.

That method is one ``GridSearchCV`` over :class:`~skimgclf.neural.CNNClassifier` with the
study's network (``architecture="emnist_cnn"``; its arguments are ``module__widths``,
``module__fc`` and ``module__dropout``) and a single train/validation split, as in the study.
EMNIST is not among the shared data sets, so the trials run on a subset of **Fashion-MNIST**
(10 classes, 28x28 like EMNIST, and hard enough for the differences to show); the final figure
comes from its official test split.

Set ``SKIMGCLF_EXAMPLES_FAST=1`` for a tiny run (what CI does).
"""

# %%
# Data: a stratified subset of Fashion-MNIST
# ------------------------------------------
import time

import numpy as np
from _shared_data import is_fast, load_mnist_like, pick, stratified_subset
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit

from skimgclf.neural import CNNClassifier

start = time.perf_counter()
X, y = load_mnist_like("fashion-mnist", "train", n_parts=pick(1, 4))
X, y = stratified_subset(X, y, pick(1_000, 12_000), random_state=0)
X_test, y_test = load_mnist_like("fashion-mnist", "test", n_parts=1)
X_test, y_test = stratified_subset(X_test, y_test, pick(500, 5_000), random_state=0)
print(f"mode: {'fast' if is_fast() else 'full'}; {len(y)} Fashion-MNIST training images "
      f"(80 % fit / 20 % validation), {len(y_test)} test images")

# %%
# The trials
# ----------
# One validation split (``StratifiedShuffleSplit`` with one split), every combination of the
# grid, and a refit of the best on all the training images. Fast mode shrinks the network
# (narrower convs and fc) so that its trials take seconds.
grid = pick(
    {"module__widths": [(4, 8), (8, 16)], "module__fc": [128], "lr": [1e-3, 3e-3]},
    {"module__widths": [(8, 32), (16, 64)], "module__fc": [300, 600],
     "lr": [3e-4, 1e-3, 3e-3]},
)
search = GridSearchCV(
    CNNClassifier(architecture="emnist_cnn", optimizer="adam", lr_schedule=None,
                  weight_decay=None, augment=None, batch_size=64, max_epochs=pick(2, 8),
                  random_state=0),
    grid,
    cv=StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=0),
)
search.fit(X, y)

# %%
# The table, best trial first
# ---------------------------
res = search.cv_results_
order = np.argsort(res["rank_test_score"], kind="stable")
print(f"\n{'trial':>5}  {'conv widths':<12}{'fc':>5}{'lr':>9}  {'valid acc':>9}  {'fit s':>6}")
for trial, i in enumerate(order, start=1):
    p = res["params"][i]
    widths = "-".join(str(w) for w in p["module__widths"])
    print(f"{trial:>5}  {widths:<12}{p['module__fc']:>5}{p['lr']:>9.0e}  "
          f"{res['mean_test_score'][i]:>9.3f}  {res['mean_fit_time'][i]:>6.1f}")

best = search.best_params_
print(f"\nbest trial: widths {best['module__widths']}, fc {best['module__fc']}, "
      f"lr {best['lr']:g}: validation accuracy {search.best_score_:.3f}")
print(f"test accuracy of the best trial (refit on all {len(y)} images): "
      f"{search.score(X_test, y_test):.3f}")
print(f"done in {time.perf_counter() - start:.0f} s")
