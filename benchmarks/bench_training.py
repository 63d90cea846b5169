"""CNNClassifier.fit / predict_proba throughput against the best hand-written torch loop.

Both sides train the same module (the default ``bn_cnn``) on the same data, epochs, batch size,
optimiser (AdamW + one-cycle), augmentation and seed, in one process, interleaved (hand, skorch,
hand, skorch, ...), so that machine noise hits both alike. The hand loop is the fast path
written out: one float32 (n, H, W, C) tensor, shuffled index batches, channels_last, no
Dataset/DataLoader. The ratio printed is hand time / estimator time (1.0 = no overhead).

    .venv/bin/python benchmarks/bench_training.py [--n 20000] [--epochs 2] [--repeats 3]

Targets (issue 3): fit ratio >= 0.97, predict_proba ratio >= 0.95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from skimgclf.augment import RandomAffine
from skimgclf.nets import BatchNormCNN
from skimgclf.neural import CNNClassifier

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist"


def load_images(n):
    """The first ``n`` MNIST training images, or random digits-sized images without the data."""
    parts = sorted(DATA.glob("train-images-idx3-ubyte.part*of06.gz"))
    if parts:
        from skimgclf.datasets import load_idx

        X = load_idx(parts)[:n]
        y = load_idx(DATA / "train-labels-idx1-ubyte.gz")[:n]
        return X, y, "MNIST"
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n), "random"


def hand_fit(X, y, *, epochs, batch_size, lr, weight_decay, seed, augment):
    """The reference loop: what CNNClassifier does, without skorch."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    images = torch.from_numpy(X).to(torch.float32).mul_(1 / 255).unsqueeze(-1)  # (n, H, W, 1)
    labels = torch.from_numpy(y.astype(np.int64))
    model = BatchNormCNN(in_channels=1, n_classes=10, input_shape=X.shape[1:3])
    model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * (len(X) // batch_size + (len(X) % batch_size > 1))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            index = order[start : start + batch_size]
            if len(index) < 2:
                continue
            xb = images[index].permute(0, 3, 1, 2)
            if augment is not None:
                xb = augment(xb, generator).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(xb), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return model


def hand_predict_proba(model, X, batch_size):
    images = torch.from_numpy(X).to(torch.float32).mul_(1 / 255).unsqueeze(-1)
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb = images[start : start + batch_size].permute(0, 3, 1, 2)
            out.append(torch.softmax(model(xb), dim=1).numpy())
    return np.concatenate(out).astype(np.float64)


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-augment", action="store_true")
    args = parser.parse_args(argv)

    X, y, source = load_images(args.n)
    augment = None if args.no_augment else RandomAffine(rotation=10, shift=2)
    params = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": 0.003,
              "weight_decay": 0.01, "seed": 0, "augment": augment}
    print(f"{len(X)} {source} images {X.shape[1:]}, {args.epochs} epochs, batch "
          f"{args.batch_size}, augment={augment}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")

    def estimator():
        return CNNClassifier(max_epochs=args.epochs, batch_size=args.batch_size, lr=0.003,
                             weight_decay=0.01, augment=None if augment is None else "default",
                             random_state=0, device="cpu")

    # Warm-up: oneDNN builds its kernels on the first batches of each shape.
    hand_fit(X[:512], y[:512], **{**params, "epochs": 1})
    estimator().set_params(max_epochs=1).fit(X[:512], y[:512])

    rows = {"hand fit": [], "skorch fit": [], "hand predict_proba": [],
            "skorch predict_proba": []}
    for _ in range(args.repeats):
        model, wall, cpu = timed(lambda: hand_fit(X, y, **params))
        rows["hand fit"].append((wall, cpu))
        clf, wall, cpu = timed(lambda: estimator().fit(X, y))
        rows["skorch fit"].append((wall, cpu))
        _, wall, cpu = timed(partial(hand_predict_proba, model, X, args.batch_size))
        rows["hand predict_proba"].append((wall, cpu))
        _, wall, cpu = timed(partial(clf.predict_proba, X))
        rows["skorch predict_proba"].append((wall, cpu))

    for name, values in rows.items():
        walls = [w for w, _ in values]
        cpus = [c for _, c in values]
        print(f"{name:22s} wall median {statistics.median(walls):7.2f} s "
              f"(all {', '.join(f'{w:.2f}' for w in walls)}), CPU median "
              f"{statistics.median(cpus):7.2f} s")
    for what, target in (("fit", 0.97), ("predict_proba", 0.95)):
        pairs = list(zip(rows[f"hand {what}"], rows[f"skorch {what}"], strict=True))
        wall_ratio = statistics.median(h[0] / s[0] for h, s in pairs)
        cpu_ratio = statistics.median(h[1] / s[1] for h, s in pairs)
        print(f"{what:14s} throughput ratio (hand / CNNClassifier): wall {wall_ratio:.3f}, "
              f"CPU {cpu_ratio:.3f} (target >= {target})")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
