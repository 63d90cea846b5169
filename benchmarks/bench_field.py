"""The field's tasks (issue 16): the presets against the default, accuracy and time in one run.

    .venv/bin/python benchmarks/bench_field.py modified-mnist [--n-train 20000] [--n-test 2000]
        [--setting overlap|apart|defaults] [--rows modified-mnist modified-mnist-digit vote]
        [--seeds 0 1 2]
    .venv/bin/python benchmarks/bench_field.py cifar10-5k [--rows cnn resnet9]
    .venv/bin/python benchmarks/bench_field.py fashion-mnist [--rows cnn resnet9-half]
    ... [--max-epochs N (exactly N epochs: no min_steps)] [--reference]
        [--rows resnet9 resnet9:ema_decay=0.999 (a preset with estimator parameters changed)]
        [--tta none flip flip+shift (each fitted row scored again under each setting)]
        [--predict-precision bf16 (each fitted row scored again predicting in bf16)]
        [--errors (modified-mnist: where each row's errors lie)]

Each row is a preset of :func:`skimgclf.presets.make_model` fitted on the task's training set
and scored on its test set; it prints accuracy, fit and predict seconds (wall), the epochs the
network trained and the load average, and each time as a multiple of the first row's.
A row ``preset:name=value,name=value`` is the preset with those parameters of its network
changed (values read as Python literals), for ablations. ``vote`` is the soft vote (mean of
``predict_proba``, what ``VotingClassifier(voting="soft")`` computes) of every model fitted
above it, so it costs no fit of its own. ``--seeds`` fits each
preset row once per seed (a vote over seeds is then a vote of several networks).

Tasks, all read in place from ../shared/data:

- ``modified-mnist``: composites of ``make_modified_mnist`` made the study's way (2-3 digits,
  scales 40-120 %, rotations +-45 degrees, on uniform noise, label = the largest) from MNIST's
  training digits (train) and its test digits (test), seeds 0 and 1. ``--setting overlap``
  (the default) lets digits overlap as the study superimposed them, ``apart`` keeps 2 pixels
  between them; both make the largest digit at least 1.2x the scale of the others, so that the
  label is clear by eye (with ``defaults``, scales drawn independently, two digits are often
  within a few percent of each other and the label is a guess).
- ``cifar10-5k``: the shared CIFAR-10 test set shuffled with seed 0, 5,000 / 5,000 (as in
  ``bench_transfer.py``).
- ``fashion-mnist``: the full 60,000 / 10,000.

``--tta`` scores each fitted network again under other test-time augmentations (``none``,
``flip``, ``shift``, ``flip+shift``): one fit, so the rows differ only by the views averaged.
``--predict-precision bf16`` does the same with the predictions under bf16 autocast (where the
CPU has it; the default ``precision="auto"`` trains in bf16 there but predicts in float32).

``--save DIR`` writes each fitted row's test probabilities to ``DIR/<row> seed <k>.npz``
(with the test labels and the run's task, setting and sizes); ``--vote-with FILE...`` puts
such files, from earlier runs of the same task and test set, in front of this run's rows, so
that a ``vote`` row also averages them. Networks that take most of an hour each (40,000
Modified-MNIST composites on two cores) can so be fitted in separate runs and voted later.

``--errors`` (``modified-mnist``) says, after each row, where its errors lie on the test
composites: whether digits touch, the largest digit's margin over the next and its scale, and
how many errors name another digit of the composite rather than misread the largest. With
``--vote-with FILE --rows vote`` it explains a saved run without fitting.

``--reference`` adds, for the task's first preset row built on a registered network, a
plain-torch loop (no skorch, no pipeline) training the same network with the same optimizer,
schedule, loss, batch, epochs and autocast (no test-time augmentation), so that the
package's overhead is a ratio in the same run.
"""

from __future__ import annotations

import argparse
import ast
import os
import time
from pathlib import Path

import numpy as np
import torch

from skimgclf.datasets import load_idx, make_modified_mnist
from skimgclf.presets import make_model

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ROWS = {
    "modified-mnist": ["modified-mnist", "modified-mnist-digit", "vote"],
    "cifar10-5k": ["cnn", "resnet9"],
    "fashion-mnist": ["cnn", "resnet9-half"],
}
TTA_SETTINGS = {"none": None, "flip": "flip", "shift": "shift", "flip+shift": ["flip", "shift"]}
SETTINGS = {"overlap": {"min_scale_ratio": 1.2}, "apart": {"min_scale_ratio": 1.2, "min_gap": 2},
            "defaults": {}}


def _idx(folder, prefix):
    images = load_idx(sorted(folder.glob(f"{prefix}-images-idx3-ubyte*.gz")))
    labels = load_idx(sorted(folder.glob(f"{prefix}-labels-idx1-ubyte*.gz")))
    return images, labels


def load_task(task, args):
    if task == "fashion-mnist":
        return (*_idx(DATA / "fashion-mnist", "train"), *_idx(DATA / "fashion-mnist", "t10k"))
    if task == "cifar10-5k":
        from bench_transfer import cifar_split

        return cifar_split()
    setting = SETTINGS[args.setting]
    X_train, y_train = make_modified_mnist(args.n_train, digits=_idx(DATA / "mnist", "train"),
                                           random_state=0, **setting)
    X_test, y_test, meta = make_modified_mnist(args.n_test, digits=_idx(DATA / "mnist", "t10k"),
                                               random_state=1, return_metadata=True, **setting)
    args.test_facts = composite_facts(meta)
    return X_train, y_train, X_test, y_test


def composite_facts(meta):
    """Per test composite: do any two digits touch, the largest digit's scale and its margin
    (its scale over the next one's), and the labels of the other digits."""
    touch, scale, margin, others = [], [], [], []
    for digits in meta:
        count = np.zeros((1 + max(d["bbox"][2] for d in digits),
                          1 + max(d["bbox"][3] for d in digits)), dtype=np.int8)
        for d in digits:
            r0, c0, r1, c1 = d["bbox"]
            count[r0:r1, c0:c1] += d["mask"]
        scales = sorted(d["scale"] for d in digits)
        touch.append(bool((count > 1).any()))
        scale.append(scales[-1])
        margin.append(scales[-1] / scales[-2] if len(scales) > 1 else np.inf)
        others.append({d["label"] for d in digits if not d["largest"]})
    return {"touch": np.array(touch), "scale": np.array(scale), "margin": np.array(margin),
            "others": others}


def report_errors(predicted, y_test, facts):
    """Where one row's errors lie (``--errors``): accuracy by subsets of the test composites."""
    right = predicted == y_test
    names_other = np.array([p in o for p, o in zip(predicted, facts["others"], strict=True)])

    def line(label, where):
        share = f"{where.mean():5.1%}"
        accuracy = f"{right[where].mean():.4f}" if where.any() else "     -"
        print(f"      {label:<40} {share} of the test  accuracy {accuracy}", flush=True)

    touch, margin, scale = facts["touch"], facts["margin"], facts["scale"]
    line("some digits touch", touch)
    line("no digits touch", ~touch)
    for low, high in [(1.0, 1.3), (1.3, 1.5), (1.5, np.inf)]:
        line(f"  none touch, margin {low}-{high}", ~touch & (margin >= low) & (margin < high))
    for low, high in [(0.0, 0.6), (0.6, 0.8), (0.8, np.inf)]:
        line(f"  none touch, largest scale {low}-{high}", ~touch & (scale >= low) & (scale < high))
    wrong = ~right
    if wrong.any():
        print(f"      errors naming another digit of the composite: "
              f"{(wrong & names_other).sum() / wrong.sum():.0%} (the rest misread the largest)",
              flush=True)


def _report(name, accuracy, fit_s, predict_s, first, extra=""):
    total = fit_s + predict_s
    ratio = f"{total / first:5.2f}x row 1" if first else "    -"
    print(f"  {name:<38} accuracy {accuracy:.4f}  fit {fit_s:7.1f} s  predict {predict_s:5.1f} s"
          f"  ({ratio}; load {os.getloadavg()[0]:.1f}){extra}", flush=True)


def make_row(row, image_shape, seed, max_epochs):
    """The preset of ``row`` (``preset`` or ``preset:name=value,...``), its network's
    parameters changed as the row says."""
    preset, _, changes = row.partition(":")
    model = make_model(preset, image_shape=image_shape, random_state=seed, max_epochs=max_epochs)
    # parsed as the keyword arguments of a call: values may hold commas (dicts, tuples)
    call = ast.parse(f"row({changes})", mode="eval").body
    model.steps[-1][1].set_params(**{k.arg: ast.literal_eval(k.value) for k in call.keywords})
    return model


def _run_facts(args):
    """What must agree between runs whose probabilities are voted together."""
    return {"task": args.task, "setting": args.setting if args.task == "modified-mnist" else "",
            "n_train": args.n_train, "n_test": args.n_test}


def _row_path(folder, name, seed, suffix):
    """Where a row's file goes (its folder made if need be): one name for each row and seed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name.replace('/', '_')} seed {seed}{suffix}"


def save_proba(folder, name, seed, proba, classes, y_test, args):
    """Write one row's test probabilities whole or not at all (a kill leaves no half file)."""
    from skimgclf._atomic import write_atomically

    path = _row_path(folder, name, seed, ".npz")
    arrays = {"proba": proba, "classes": classes, "y_test": y_test,
              **{k: np.asarray(v) for k, v in _run_facts(args).items()}}
    write_atomically(path, lambda f: np.savez(f, **arrays))
    print(f"  saved {path}", flush=True)


def save_fitted(folder, name, seed, model):
    """Keep a fitted row, to score other test-time views later without refitting."""
    from skimgclf.persistence import save_model

    path = _row_path(folder, name, seed, ".skimgclf")
    save_model(model, path)
    print(f"  saved {path}", flush=True)


def load_proba(path, y_test, args):
    """The probabilities of an earlier run, checked to be for this run's test set and task."""
    from skimgclf.datasets._npz import open_npz, read_array
    from skimgclf.exceptions import InputError

    try:
        with open_npz(path, "give a file written by --save") as npz:
            saved = {key: read_array(npz, path, key) for key in npz.files}
    except (OSError, InputError) as exc:
        raise SystemExit(f"--vote-with: {exc}") from None
    facts = {k: saved[k].item() if k in saved else None for k in _run_facts(args)}
    if facts != _run_facts(args):
        raise SystemExit(f"--vote-with {path}: saved by a run of {facts}, not "
                         f"{_run_facts(args)}")
    if "proba" not in saved or not np.array_equal(saved.get("y_test"), y_test):
        raise SystemExit(f"--vote-with {path}: its test labels differ from this run's")
    return saved["proba"], saved["classes"]


def explain(args, predicted, y_test):
    if args.errors:
        report_errors(predicted, y_test, args.test_facts)


def _report_rescored(model, X_test, y_test, changes, first):
    """The fitted network scored again with each prediction-time setting of ``changes``
    (``(parameter, value, label)``: a test-time augmentation, a prediction precision)."""
    clf = model.steps[-1][1]
    if not hasattr(clf, "tta"):
        return
    for param, value, label in changes:
        fitted = clf.get_params()[param]
        clf.set_params(**{param: value})
        wall = time.perf_counter()
        accuracy = float(np.mean(model.predict(X_test) == y_test))
        _report(f"  same network, {param}={label}", accuracy, 0.0, time.perf_counter() - wall,
                first)
        clf.set_params(**{param: fitted})


def reference_fit(model, X_train, y_train, X_test, seed):
    """The preset's network trained by a plain-torch loop: AdamW, one-cycle, label smoothing,
    the preset's augmentation and autocast, the estimator's epochs; returns test probabilities.
    """
    from skimgclf.augment import RandomAffine
    from skimgclf.nets import get_net
    from skimgclf.neural._device import AUTOCAST_DTYPES, autocast_device

    clf = model.steps[-1][1]
    prep = model[:-1].fit(X_train, y_train) if len(model) > 1 else None
    X_train = prep.transform(X_train) if prep else X_train
    X_test = prep.transform(X_test) if prep else X_test
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)

    def tensor(X):  # (n, H, W[, C]) uint8 -> (n, C, H, W) float in 0-1, channels_last
        x = torch.from_numpy(np.asarray(X, dtype=np.float32) / 255)
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
        return x.contiguous(memory_format=torch.channels_last)

    x_train, x_test = tensor(X_train), tensor(X_test)
    mean = x_train.mean((0, 2, 3), keepdim=True)
    std = x_train.std((0, 2, 3), keepdim=True) if clf.normalize == "channel" else 1.0
    mean = mean if clf.normalize == "channel" else 0.0
    classes, y = np.unique(y_train, return_inverse=True)
    labels = torch.from_numpy(y.astype(np.int64))
    kwargs = {k.split("__", 1)[1]: v for k, v in clf.get_params().items()
              if k.startswith("module__")}
    net = get_net(clf.architecture)(in_channels=x_train.shape[1], n_classes=len(classes),
                                    input_shape=tuple(x_train.shape[2:]), **kwargs)
    net = net.to(memory_format=torch.channels_last)
    augment = RandomAffine(**clf.augment) if isinstance(clf.augment, dict) else None
    steps_per_epoch = -(-len(labels) // clf.batch_size)
    epochs = max(clf.max_epochs, -(-(clf.min_steps or 0) // steps_per_epoch))
    optimizer = torch.optim.AdamW(net.parameters(), lr=clf.lr, weight_decay=clf.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=clf.lr,
                                                   total_steps=epochs * steps_per_epoch)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=clf.label_smoothing)
    kind = autocast_device(clf.precision, "cpu")
    autocast = torch.autocast("cpu", dtype=AUTOCAST_DTYPES[clf.precision],
                              enabled=kind is not None)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), clf.batch_size):
            index = order[start:start + clf.batch_size]
            xb = x_train[index]
            if augment is not None:
                xb = augment(xb, generator).contiguous(memory_format=torch.channels_last)
            with autocast:
                loss = loss_fn(net((xb - mean) / std), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    net.eval()
    predicting = torch.autocast("cpu", dtype=AUTOCAST_DTYPES[clf.precision],
                                enabled=autocast_device(clf.precision, "cpu", training=False)
                                is not None)
    with torch.no_grad(), predicting:
        proba = torch.cat([torch.softmax(net((x_test[i:i + 512] - mean) / std).float(), 1)
                           for i in range(0, len(x_test), 512)])
    return classes[proba.argmax(1).numpy()], epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(ROWS))
    parser.add_argument("--rows", nargs="+", default=None,
                        help="presets (and 'vote') in order; default: the task's")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--setting", choices=sorted(SETTINGS), default="overlap")
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--tta", nargs="+", default=[], choices=sorted(TTA_SETTINGS))
    parser.add_argument("--predict-precision", nargs="+", default=[],
                        choices=["bf16", "fp32"],
                        help="score each fitted network again predicting in this precision")
    parser.add_argument("--save", metavar="DIR", default=None,
                        help="write each row's test probabilities to DIR")
    parser.add_argument("--save-model", metavar="DIR", default=None,
                        help="write each fitted row to DIR (skimgclf.persistence.save_model)")
    parser.add_argument("--vote-with", nargs="+", metavar="FILE", default=[],
                        help="probabilities saved by --save, voted with this run's rows")
    parser.add_argument("--errors", action="store_true",
                        help="modified-mnist: where each row's errors lie")
    args = parser.parse_args(argv)
    if args.errors and args.task != "modified-mnist":
        parser.error("--errors explains Modified-MNIST composites only")
    rows = args.rows or ROWS[args.task]
    changes = ([("tta", TTA_SETTINGS[name], name) for name in args.tta]
               + [("precision", name, name) for name in args.predict_precision])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs; task {args.task}", flush=True)
    X_train, y_train, X_test, y_test = load_task(args.task, args)
    print(f"{len(y_train)} train / {len(y_test)} test, images {X_train.shape[1:]}"
          + (f", setting {args.setting}" if args.task == "modified-mnist" else ""), flush=True)
    probas, first, reference_done = [], None, not args.reference
    for path in args.vote_with:
        proba, classes = load_proba(path, y_test, args)
        probas.append((proba, classes))
        accuracy = float(np.mean(classes[proba.argmax(1)] == y_test))
        print(f"  {Path(path).stem:<38} accuracy {accuracy:.4f}  (saved)", flush=True)
        explain(args, classes[proba.argmax(1)], y_test)
    for name in rows:
        if name == "vote":
            if any(not np.array_equal(c, probas[0][1]) for _, c in probas):
                raise SystemExit("vote: the rows were fitted on different classes")
            proba = np.mean([p for p, _ in probas], axis=0)
            accuracy = float(np.mean(probas[0][1][proba.argmax(1)] == y_test))
            _report(f"vote of {len(probas)}", accuracy, 0.0, 0.0, None)
            explain(args, probas[0][1][proba.argmax(1)], y_test)
            continue
        for seed in args.seeds:
            model = make_row(name, X_train.shape[1:], seed, args.max_epochs)
            wall = time.perf_counter()
            model.fit(X_train, y_train)
            fit_s = time.perf_counter() - wall
            wall = time.perf_counter()
            proba = model.predict_proba(X_test)
            predict_s = time.perf_counter() - wall
            accuracy = float(np.mean(model.classes_[proba.argmax(1)] == y_test))
            clf = model.steps[-1][1]
            epochs = f", {len(clf.history_)} epochs" if hasattr(clf, "history_") else ""
            _report(f"{name} (seed {seed})", accuracy, fit_s, predict_s, first, epochs)
            first = first or fit_s + predict_s
            explain(args, model.classes_[proba.argmax(1)], y_test)
            probas.append((proba, model.classes_))
            if args.save:
                save_proba(args.save, name, seed, proba, model.classes_, y_test, args)
            if args.save_model:
                save_fitted(args.save_model, name, seed, model)
            _report_rescored(model, X_test, y_test, changes, first)
            if not reference_done and hasattr(clf, "architecture"):
                wall = time.perf_counter()
                predicted, n_epochs = reference_fit(model, X_train, y_train, X_test, seed)
                _report(f"plain torch, {name}'s recipe", float(np.mean(predicted == y_test)),
                        time.perf_counter() - wall, 0.0, first, f", {n_epochs} epochs")
                reference_done = True
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
