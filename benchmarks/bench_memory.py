"""Peak resident memory of one-epoch fits against the uint8 size of their data (issue 15).

    .venv/bin/python benchmarks/bench_memory.py [--quick] [--cases abcdef] [--architecture NAME]
                                                [--json PATH]

Every fit runs in a fresh Python process (this file, called with ``--child``), so that one
fit's memory never hides in another's peak: ``CNNClassifier(max_epochs=1, batch_size=256,
device="cpu", random_state=0)``, the package's default architecture unless ``--architecture``
names another. The child imports torch, skorch, scikit-learn and skimgclf, loads its data
(written beforehand to a temporary ``.npy`` file, by another child, and read whole with
``np.load``), reads its peak resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``), fits,
and reads the peak again at the end. The cases:

a. baseline: a child that only imports (one line); each row's "base" is the same child's
   peak after its imports and its data, just before ``fit``: what a child that only imports
   and allocates the data reaches.
b. ``CNNClassifier`` on ``(n, 64, 64)`` uint8 Modified-MNIST composites
   (:func:`skimgclf.datasets.make_modified_mnist`, 2,000 distinct ones repeated up to ``n``).
c. the same on ``(n, 96, 96, 3)`` uint8 colour composites (96x96 composites, one random gain
   per channel and image).
d. ``Pipeline([("norm", Normalizer(mode="channel")), ("cnn", CNNClassifier(...))])`` on the
   data of c.
e. streaming: the data of c given to ``fit`` as ``np.load(path, mmap_mode="r")``. Whatever
   ``fit`` does with a memmap is measured (reading it whole, or batch by batch); a ``fit`` that
   refuses it is reported as "not supported".
f. a folder of PNG files, one sub-folder per class, given to ``fit`` as
   ``skimgclf.datasets.ImageFolderDataset(root)`` with its ``targets``; skipped, with a note,
   where that class does not exist.

Sizes n: b 2,000, 8,000 and 32,000; c and e 2,000 and 8,000; d and f 1,000 and 4,000. With
``--quick``: b 2,000 and 8,000; c to f 500 and 2,000.

How to read it: "extra" is peak minus base, the memory that ``fit`` added, and "x data" is
extra over the uint8 bytes of the data; both hold a fixed cost (the network, one batch's
activations, torch's kernels). The slope between two sizes of a case, (extra2 - extra1) /
(data2 - data1), cancels that cost: it is the figure of merit, bytes of extra peak memory per
byte of uint8 data. Before the redesign it was about 5.4 for b, 4.8 for c and 8.9 for d; the
targets are <= 1.5 (b, c, e, f: uint8 until the batch) and <= 5.5 (d, where the Normalizer's
float output is the data). A streaming fit (e, f) reads the images batch by batch and should
approach 0, plus the file pages of a memmap that it touches: "file" is the growth of
file-backed resident pages during the fit (Linux), pages the kernel can drop under memory
pressure, unlike the rest. "workers" is the peak of the largest process that the fit started
and ended (DataLoader workers), counting the pages it shares with the fit; these are not in
"peak". A single figure moves by up to about 15 MiB from run to run (the allocator, and the
first batches: with n below about 1,000, i.e. four batches, the fixed cost is not reached yet),
so a slope is good to about 15 MiB over the data's growth: +-0.1 to 0.2 at the default sizes,
+-0.4 at ``--quick``'s 500 -> 2000 of 96x96x3, which only tells a slope of 5 from one of 1.

The parent process stays small (numpy only) because Linux carries a process's peak across
``fork`` and ``exec`` into ``ru_maxrss``; each child checks its figure against its own
``VmHWM`` and the row is flagged where they disagree.

The default run takes about 12 minutes on 2 CPUs (the 32,000-image fit alone about 3.5),
``--quick`` (smaller sizes) about 4; a busy machine makes them slower, not the figures
different.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIB = 2**20
MARKER = "BENCH_MEMORY_RESULT "
BATCH_SIZE = 256
DISTINCT = 2_000  # distinct composites generated; larger sets repeat them
CHILD_TIMEOUT = 3600  # a guard against a hung child, far above any fit here
HWM_TOLERANCE = 8 * MIB  # ru_maxrss and VmHWM may differ by this much before a row is flagged


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    shape: tuple  # of one image
    mode: str  # "array", "mmap" or "folder"
    pipeline: bool
    sizes: tuple
    quick_sizes: tuple
    target: float
    before: float | None  # the figure before the redesign


CASES = (
    Case("b", "CNN (n,64,64)", (64, 64), "array", False, (2_000, 8_000, 32_000),
         (2_000, 8_000), 1.5, 5.4),
    Case("c", "CNN (n,96,96,3)", (96, 96, 3), "array", False, (2_000, 8_000), (500, 2_000),
         1.5, 4.8),
    Case("d", "Normalizer+CNN (n,96,96,3)", (96, 96, 3), "array", True, (1_000, 4_000),
         (500, 2_000), 5.5, 8.9),
    Case("e", "CNN on a memmap (n,96,96,3)", (96, 96, 3), "mmap", False, (2_000, 8_000),
         (500, 2_000), 1.5, None),
    Case("f", "CNN on a PNG folder (n,96,96,3)", (96, 96, 3), "folder", False, (1_000, 4_000),
         (500, 2_000), 1.5, None),
)


# ------------------------------------------------------------------------------ the children
def _maxrss(who=resource.RUSAGE_SELF):
    """Peak resident set size so far, in bytes (of this process, or of its largest child)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def _proc_status(field):
    """A ``/proc/self/status`` figure in bytes (Linux), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child(spec):
    """Import, load the data, fit, and print the figures as one JSON line."""
    import torch
    from sklearn.pipeline import Pipeline

    import skimgclf
    import skimgclf.datasets
    from skimgclf.neural import CNNClassifier
    from skimgclf.preprocessing import Normalizer

    result = {"rss_imports": _maxrss()}
    mode = spec["mode"]
    y = None if spec["labels"] is None else np.load(spec["labels"])
    X = None
    if mode == "array":
        X = np.load(spec["data"])
    elif mode == "mmap":
        X = np.load(spec["data"], mmap_mode="r")
    elif mode == "folder":
        X = skimgclf.datasets.ImageFolderDataset(spec["data"])
        y = X.targets
    elif mode == "info":
        result.update(
            architecture=CNNClassifier().architecture, torch=torch.__version__,
            threads=torch.get_num_threads(), skimgclf=str(Path(skimgclf.__file__).parent),
            folder_dataset=hasattr(skimgclf.datasets, "ImageFolderDataset"))
    result["rss_base"] = _maxrss()
    result["file_base"] = _proc_status("RssFile")

    if X is not None:
        params = dict(max_epochs=1, batch_size=BATCH_SIZE, device="cpu", random_state=0)
        if spec["architecture"] is not None:
            params["architecture"] = spec["architecture"]
        estimator = CNNClassifier(**params)
        if spec["pipeline"]:
            estimator = Pipeline([("norm", Normalizer(mode="channel")), ("cnn", estimator)])
        start = time.perf_counter()
        try:
            estimator.fit(X, y)
        except Exception as exc:  # reported, for streaming input as "not supported"
            result["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        result["fit_s"] = time.perf_counter() - start
    result["rss_peak"] = _maxrss()
    result["hwm"] = _proc_status("VmHWM")
    result["file_end"] = _proc_status("RssFile")
    result["workers_peak"] = _maxrss(resource.RUSAGE_CHILDREN)
    print(MARKER + json.dumps(result), flush=True)
    return 0


def _make_data(spec):
    """Write the data files that the cases of one image shape read (a child: the parent stays
    small). Modified-MNIST composites, ``DISTINCT`` of them repeated up to each size."""
    from PIL import Image

    from skimgclf.datasets import make_modified_mnist

    shape = tuple(spec["shape"])
    images, labels = make_modified_mnist(DISTINCT, image_size=shape[0], random_state=0)
    images = images.astype(np.uint8)
    if len(shape) == 3:  # colour: one random gain per channel and image
        gains = np.random.default_rng(0).uniform(0.3, 1.0, (len(images), 1, 1, shape[2]))
        images = (images[..., None] * gains).astype(np.uint8)
    for n, kind, path, labels_path in spec["files"]:
        index = np.arange(n) % len(images)
        X, y = images[index], labels[index]
        np.save(labels_path, y)
        if kind == "npy":
            np.save(path, X)
            continue
        for k in np.unique(y):
            os.makedirs(os.path.join(path, f"class_{k:02d}"))
        for i, (image, label) in enumerate(zip(X, y, strict=True)):
            Image.fromarray(image).save(os.path.join(path, f"class_{label:02d}", f"{i:06d}.png"))
    return 0


def _run(flag, spec):
    """Run this file as a child; its result dict, or one with "error" where it failed."""
    argv = [sys.executable, str(Path(__file__).resolve()), flag, json.dumps(spec)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CHILD_TIMEOUT} s", "crashed": True}
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    if proc.returncode == 0 and flag == "--make-data":
        return {}
    tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"error": f"process exited with {proc.returncode}: {tail[:160]}", "crashed": True}


# ------------------------------------------------------------------------------ the report
def _mib(n_bytes):
    return n_bytes / MIB


def _refused(case):
    """How a fit that raised is reported: streaming input is "not supported" yet."""
    return "fit raised" if case.mode == "array" else "not supported"


def _measured(row):
    return "rss_peak" in row and "error" not in row


HEADER = (f"{'case':<35} {'n':>6} {'data MiB':>8} {'base MiB':>8} {'peak MiB':>8} "
          f"{'extra MiB':>9} {'x data':>6} {'file MiB':>8} {'workers':>7} {'fit s':>6}")


def _row_line(case, row):
    lead = f"{case.key}. {case.title:<32} {row['n']:>6} {_mib(row['data_bytes']):>8.1f}"
    if "rss_peak" not in row:
        return f"{lead}  failed: {row['error']}"
    if "error" in row:
        return f"{lead}  {_refused(case)}: {row['error']}"
    extra = row["rss_peak"] - row["rss_base"]
    grown = (None if row["file_end"] is None or row["file_base"] is None
             else row["file_end"] - row["file_base"])
    workers = row["workers_peak"]
    line = (f"{lead} {_mib(row['rss_base']):>8.1f} {_mib(row['rss_peak']):>8.1f} "
            f"{_mib(extra):>9.1f} {extra / row['data_bytes']:>6.2f} "
            f"{'-' if grown is None else f'{_mib(grown):.1f}':>8} "
            f"{f'{_mib(workers):.0f}' if workers else '-':>7} {row['fit_s']:>6.1f}")
    if row["hwm"] is not None and abs(row["hwm"] - row["rss_peak"]) > HWM_TOLERANCE:
        line += f"  (VmHWM {_mib(row['hwm']):.1f} MiB disagrees)"
    return line


def _slope(a, b):
    extra_a, extra_b = a["rss_peak"] - a["rss_base"], b["rss_peak"] - b["rss_base"]
    return (extra_b - extra_a) / (b["data_bytes"] - a["data_bytes"])


def _summary(case, rows):
    good = [r for r in rows if _measured(r)]
    before = "" if case.before is None else f"; about {case.before} before the redesign"
    target = f"target <= {case.target}"
    if len(good) < 2:
        errors = [r["error"] for r in rows if "error" in r]
        why = f"{_refused(case)}: {errors[0]}" if errors else "fewer than two sizes"
        return f"{case.key}. {case.title}: no slope ({why}); {target}{before}"
    slope = _slope(good[0], good[-1])
    verdict = "met" if slope <= case.target else "not met"
    return (f"{case.key}. {case.title}: slope {slope:.2f} (n {good[0]['n']} -> "
            f"{good[-1]['n']}); {target}: {verdict}{before}")


# ------------------------------------------------------------------------------ main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes (b: 2000, 8000; c-f: 500, 2000)")
    parser.add_argument("--cases", default="abcdef",
                        help="the cases to run, letters among a-f (default: all)")
    parser.add_argument("--architecture", default=None,
                        help="CNNClassifier's architecture (default: the package default)")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--make-data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return _child(json.loads(args.child))
    if args.make_data is not None:
        return _make_data(json.loads(args.make_data))
    unknown = set(args.cases) - set("abcdef")
    if unknown:
        parser.error(f"unknown cases {''.join(sorted(unknown))!r}; choose among a-f")

    start = time.perf_counter()
    base_spec = {"mode": "info", "data": None, "labels": None, "pipeline": False,
                 "architecture": args.architecture}
    info = _run("--child", base_spec)
    if "rss_base" not in info:
        print(f"the import-only child failed: {info['error']}")
        return 1
    architecture = args.architecture or info["architecture"]
    print(f"Peak RSS of one-epoch fits (batch {BATCH_SIZE}, CPU, architecture "
          f"{architecture!r}), each in a fresh process; {os.cpu_count()} CPUs, torch "
          f"{info['torch']} ({info['threads']} threads), load average "
          f"{os.getloadavg()[0]:.1f}{', quick' if args.quick else ''}; skimgclf from "
          f"{info['skimgclf']}", flush=True)
    record = {"architecture": architecture, "quick": args.quick, "batch_size": BATCH_SIZE,
              "cpus": os.cpu_count(), "torch": info["torch"], "threads": info["threads"],
              "python": platform.python_version(), "skimgclf": info["skimgclf"],
              "baseline": info, "cases": {}}
    if "a" in args.cases:
        print(f"a. baseline: a process that only imports torch, skorch, scikit-learn and "
              f"skimgclf peaks at {_mib(info['rss_base']):.1f} MiB; each row's base adds its "
              "data to that", flush=True)

    cases = [c for c in CASES if c.key in args.cases]
    skipped = {}
    if not info["folder_dataset"]:
        for case in cases:
            if case.mode == "folder":
                skipped[case.key] = (f"{case.key}. {case.title}: skipped, "
                                     "skimgclf.datasets.ImageFolderDataset does not exist")
    tmp = Path(tempfile.mkdtemp(prefix="bench_memory_"))
    try:
        # The data, written by one child per image shape.
        paths, requests = {}, {}
        for case in cases:
            if case.key in skipped:
                continue
            kind = "png" if case.mode == "folder" else "npy"
            for n in case.quick_sizes if args.quick else case.sizes:
                if (case.shape, kind, n) in paths:
                    continue
                stem = str(tmp / f"{'x'.join(map(str, case.shape))}_{kind}_{n}")
                data = stem + ".npy" if kind == "npy" else stem
                paths[case.shape, kind, n] = data, stem + "_y.npy"
                requests.setdefault(case.shape, []).append([n, kind, data, stem + "_y.npy"])
        for shape, files in requests.items():
            made = _run("--make-data", {"shape": shape, "files": files})
            if "error" in made:
                print(f"writing the {shape} data failed: {made['error']}")
                return 1
        print(f"(data written in {time.perf_counter() - start:.0f} s)", flush=True)

        print(HEADER, flush=True)
        summaries = []
        for case in cases:
            if case.key in skipped:
                print(skipped[case.key], flush=True)
                summaries.append(skipped[case.key])
                record["cases"][case.key] = {"skipped": skipped[case.key]}
                continue
            kind = "png" if case.mode == "folder" else "npy"
            rows = []
            for n in case.quick_sizes if args.quick else case.sizes:
                data, labels = paths[case.shape, kind, n]
                spec = {**base_spec, "mode": case.mode, "data": data, "labels": labels,
                        "pipeline": case.pipeline}
                row = {"n": n, "data_bytes": n * int(np.prod(case.shape)),
                       **_run("--child", spec)}
                rows.append(row)
                print(_row_line(case, row), flush=True)
            good = [r for r in rows if _measured(r)]
            slopes = [{"from": a["n"], "to": b["n"], "slope": _slope(a, b)}
                      for a, b in zip(good, good[1:], strict=False)]
            for s in slopes:
                print(f"{'':>3}slope n {s['from']} -> {s['to']}: {s['slope']:.2f} bytes of "
                      "extra peak memory per byte of uint8 data", flush=True)
            summaries.append(_summary(case, rows))
            record["cases"][case.key] = {"title": case.title, "shape": case.shape,
                                         "target": case.target, "before": case.before,
                                         "rows": rows, "slopes": slopes}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\nSlopes, bytes of extra peak memory per byte of uint8 data:")
    for line in summaries:
        print(f"  {line}")
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.0f} s in all; load average at the end {os.getloadavg()[0]:.1f}")
    record["seconds"] = elapsed
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        print(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
