"""What the comparison search's preprocessing cache saves, measured in one run.

    .venv/bin/python benchmarks/bench_model_selection.py [--n 3000] [--cv 3]

A Modified-MNIST comparison: 64x64 composites of real MNIST digits (../shared/data/mnist),
preprocessed by BackgroundRemover + LargestDigitExtractor (the expensive part), then a logistic
regression grid over C x l1/l2 (8 candidates) beside a HOG + LR family. The same
``compare_models`` search runs with ``cache=False`` (every candidate re-extracts the digits on
every fold) and ``cache=True`` (Pipeline ``memory``: once per fold and family). It prints both
wall times, their ratio, and checks that the two searches found the same scores.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skimgclf.datasets import load_idx, make_modified_mnist
from skimgclf.model_selection import compare_models
from skimgclf.preprocessing import BackgroundRemover, HOGFeatures, LargestDigitExtractor

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="composites")
    parser.add_argument("--cv", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    digits = load_idx(sorted(DATA.glob("train-images-idx3-ubyte.part01of06.gz")))
    labels = load_idx(DATA / "train-labels-idx1-ubyte.gz")[: len(digits)]
    X, y = make_modified_mnist(args.n, digits=(digits, labels), min_scale_ratio=1.2, random_state=0)
    extract = [BackgroundRemover(), LargestDigitExtractor(heuristic="rotated_side", flatten=True)]
    models = {
        "logreg": (
            LogisticRegression(max_iter=50, solver="saga", random_state=0),
            {"C": [0.01, 0.1, 1.0, 10.0], "l1_ratio": [0.0, 1.0]},
        ),
        "hog-logreg": (LogisticRegression(max_iter=100), {"C": [0.1, 1.0]}),
    }
    preprocessing = {
        "logreg": extract,
        "hog-logreg": [*extract, HOGFeatures(pixels_per_cell=(7, 7), cells_per_block=(2, 2))],
    }
    print(f"{args.n} composites 64x64, cv={args.cv}, 10 candidates in 2 families")
    results = {}
    for cache in (False, True):
        start = time.perf_counter()
        _, table = compare_models(
            models, X, y, preprocessing=preprocessing, cv=args.cv, cache=cache
        )
        results[cache] = (time.perf_counter() - start, table)
        print(
            f"  cache={cache!s:<5}  {results[cache][0]:7.1f} s   best: "
            f"{table.rows[0]['family']} {table.rows[0]['params']} {table.rows[0]['mean']:.4f}"
        )
    plain, cached = results[False][0], results[True][0]
    print(f"speed-up from the preprocessing cache: {plain / cached:.2f}x")
    same = np.allclose(
        sorted(r["mean"] for r in results[False][1].rows),
        sorted(r["mean"] for r in results[True][1].rows),
    )
    print(f"same scores with and without the cache: {same}")


if __name__ == "__main__":
    main()
