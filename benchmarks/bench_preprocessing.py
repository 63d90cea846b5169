"""Throughput of the preprocessing transformers against naive baselines, measured in one run.

    .venv/bin/python benchmarks/bench_preprocessing.py [--n 10000] [--repeat 3]

On 10,000 images (MNIST digits from ../shared/data/mnist and 64x64 Modified-MNIST composites
built from them with ``make_modified_mnist``) it prints images/second of each transformer, of its
naive baseline and their ratio, next to the issue's targets:

- BackgroundRemover vs ``np.where(X >= 255, X, 0)``: ratio >= 2.
- LargestDigitExtractor (``n_jobs=2``): >= 20,000 images/s; the baseline is the per-image way
  (skimage ``label`` + ``regionprops``, largest bounding box, crop, ``resize``) timed on a subset.
- HOGFeatures on 28x28 (``n_jobs=2``) vs a per-image ``skimage.feature.hog`` loop: ratio >= 1.6.

Each figure is the best of ``--repeat`` runs after one warm-up run (which also starts the joblib
workers). Timings on a shared machine are noisy: run it when the CPU is quiet. The "per
CPU-second" lines time serial runs by process CPU time, which other jobs disturb much less.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
from skimage.feature import hog
from skimage.measure import label, regionprops
from skimage.transform import resize

from skimgclf.datasets import load_idx, make_modified_mnist
from skimgclf.preprocessing import BackgroundRemover, HOGFeatures, LargestDigitExtractor

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist"


def best_time(fn, repeat, clock=time.perf_counter):
    fn()  # warm-up: caches, joblib workers
    best = np.inf
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def naive_extract(images):
    """The per-image way: skimage label + regionprops, largest box, crop, resize into 20x20."""
    out = np.zeros((len(images), 28, 28), dtype=np.float32)
    for i, image in enumerate(images):
        regions = regionprops(label(image > 0, connectivity=2))
        if not regions:
            continue
        r0, c0, r1, c1 = max(regions, key=lambda r: r.area_bbox).bbox
        crop = image[r0:r1, c0:c1]
        scale = 20 / max(crop.shape)
        shape = (max(round(crop.shape[0] * scale), 1), max(round(crop.shape[1] * scale), 1))
        small = resize(crop, shape, anti_aliasing=True, preserve_range=True)
        top, left = (28 - shape[0]) // 2, (28 - shape[1]) // 2
        out[i, top:top + shape[0], left:left + shape[1]] = small
    return out


def report(name, n, seconds, baseline_n=None, baseline_seconds=None, target=None):
    rate = n / seconds
    line = f"{name:<34} {rate:>10,.0f} images/s"
    if baseline_seconds is not None:
        base = baseline_n / baseline_seconds
        line += f"   baseline {base:>9,.0f} images/s   ratio {rate / base:5.2f}x"
    if target is not None:
        line += f"   target {target}"
    print(line, flush=True)
    return rate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="images per benchmark")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-n", type=int, default=2_000,
                        help="images for the slow per-image extraction baseline")
    args = parser.parse_args(argv)
    n = args.n

    digits = load_idx(sorted(DATA.glob("train-images-idx3-ubyte.part*of06.gz"))[:2])
    labels = load_idx(DATA / "train-labels-idx1-ubyte.gz")[: len(digits)]
    mnist = digits[:n] if len(digits) >= n else np.resize(digits, (n, 28, 28))
    # Composites: 2,000 distinct ones, tiled up to n (throughput does not depend on repeats).
    distinct = min(n, 2_000)
    composites = make_modified_mnist(distinct, digits=(digits, labels), random_state=0)[0]
    composites = np.resize(composites, (n, 64, 64)).astype(np.uint8)
    print(f"{n} images, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    # BackgroundRemover vs np.where.
    remover = BackgroundRemover().fit(composites)
    t_ours = best_time(lambda: remover.transform(composites), args.repeat)
    t_base = best_time(lambda: np.where(composites >= 255, composites, 0), args.repeat)
    report("BackgroundRemover (64x64)", n, t_ours, n, t_base, ">= 2x")

    # LargestDigitExtractor, n_jobs=2, on cleaned composites.
    clean = remover.transform(composites)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "[0-9]+ of [0-9]+ images have no foreground")
        for heuristic in ("rotated_side", "pixel_count"):
            ext = LargestDigitExtractor(heuristic=heuristic, n_jobs=2).fit(clean)
            t_ours = best_time(lambda ext=ext: ext.transform(clean), args.repeat)
            serial = LargestDigitExtractor(heuristic=heuristic).fit(clean)
            t_one = best_time(lambda serial=serial: serial.transform(clean), 1)
            report(f"  same, n_jobs=1 ({heuristic})", n, t_one)
            # CPU time of the serial run: what one core delivers, whatever else runs.
            t_cpu = best_time(lambda serial=serial: serial.transform(clean), 1, time.process_time)
            report(f"  same, per CPU-second ({heuristic})", n, t_cpu)
            nb = min(args.baseline_n, n)
            t_base = best_time(lambda nb=nb: naive_extract(clean[:nb]), 1)
            report(f"LargestDigitExtractor n_jobs=2 ({heuristic})", n, t_ours, nb, t_base,
                   ">= 20,000 images/s")

    # HOGFeatures on 28x28 MNIST, n_jobs=2, vs a per-image skimage loop.
    params = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3))
    hog_est = HOGFeatures(n_jobs=2, **params).fit(mnist)
    t_ours = best_time(lambda: hog_est.transform(mnist), args.repeat)
    t_base = best_time(lambda: np.stack([hog(image, **params) for image in mnist]), args.repeat)
    report("HOGFeatures n_jobs=2 (28x28)", n, t_ours, n, t_base, ">= 1.6x")
    serial = HOGFeatures(**params).fit(mnist)
    t_cpu = best_time(lambda: serial.transform(mnist), args.repeat, time.process_time)
    t_base_cpu = best_time(lambda: [hog(image, **params) for image in mnist], 1, time.process_time)
    report("  n_jobs=1, per CPU-second", n, t_cpu, n, t_base_cpu)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
