"""The sources a data specification names: a registered data set (cache, local copy or web),
IDX files (globs and parts), an image folder and npz files (globs and parts of a known set)."""

from __future__ import annotations

import glob
import os
import re

import numpy as np

from ..datasets._names import DATASETS
from ..datasets._npz import open_npz, read_array
from ._checks import check_shape
from ._spec import DataError, named_datasets, split_variant

__all__ = ["load_named", "load_idx_spec", "load_folder", "load_npz_spec", "known_set"]

_X_KEYS = ("X", "data", "images")
_Y_KEYS = ("y", "target", "labels")
_NAME_KEYS = ("target_names", "class_names")


def load_named(spec, subset, data_home, download):
    """``(X, y, names, location)`` of a named data set (``digits`` or a registry entry)."""
    from ..datasets import load_digits_images
    from ..datasets._lookup import load_named as load_entry

    key = spec.strip().lower().replace("_", "-")
    if key == "digits":
        bunch = load_digits_images()
        return bunch.images, bunch.target, _names(bunch), "embedded"
    entry, variant = split_variant(key)
    if entry is None:
        if os.path.isdir(spec):
            raise DataError(f"{spec} is a folder; give folder:{spec} for a folder with one "
                            "sub-folder of images per class")
        if os.path.isfile(spec):
            raise DataError(f"{spec} is not a .npz file; the files read are .npz (arrays X "
                            "and y) and IDX (idx:IMAGES:LABELS)")
        raise DataError(f"unknown data {spec!r}; give one of {', '.join(named_datasets())}, "
                        "idx:IMAGES:LABELS, folder:PATH or a .npz file")
    if entry.variants and variant not in entry.variants:
        raise DataError(f"unknown {entry.name} split {variant!r} in {spec!r}; give "
                        f"{entry.name}-SPLIT with SPLIT one of {', '.join(entry.variants)}")
    bunch = load_entry(entry.key, subset, variant=variant, data_home=data_home,
                       download=download)
    return bunch.images, bunch.target, _names(bunch), bunch.location


_PART_NUMBER = re.compile(r"part(\d+)of(\d+)", re.IGNORECASE)


def _by_part(path):
    """Sort key: the name with its part number taken out, then the number (part2 before 10)."""
    name = os.path.basename(path)
    m = _PART_NUMBER.search(name)
    if m is None:
        return (os.path.dirname(path), name, 0)
    return (os.path.dirname(path), name[:m.start(1)] + name[m.end(1):], int(m[1]))


def expand(items):
    """Paths of the comma-separated ``items``, each a path or a glob pattern; a pattern's
    matches sorted by part number (``...part2of12`` before ``...part10of12``)."""
    paths = []
    for item in items:
        if glob.has_magic(item):
            matches = sorted((p for p in glob.glob(os.path.expanduser(item))
                              if os.path.isfile(p)), key=_by_part)
            if not matches:
                raise FileNotFoundError(f"no file matches {item}")
            paths.extend(matches)
        else:
            paths.append(item)
    return paths


def known_set(paths):
    """The registry entry whose local layout names every file of ``paths`` (whole or a part of
    one of its files), or None. An npz file's name tells its set; an IDX file's official name
    is shared by the MNIST family, so it must also lie in a folder named after the set."""
    from ..datasets._lookup import _part_pattern

    found = set()
    for path in paths:
        name = os.path.basename(path)
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        keys = set()
        for entry in DATASETS.values():
            for layout in entry.layouts():
                files = {f for fs in layout.subsets.values() for f in fs}
                if not any(name == f or _part_pattern(f).match(name) for f in files):
                    continue
                if name.endswith(".npz") or folder in layout.folders:
                    keys.add(entry.key)
        if len(keys) != 1:
            return None
        found |= keys
    return DATASETS[found.pop()] if len(found) == 1 else None


def _names(bunch):
    names = bunch.get("target_names")
    return None if names is None else [str(n) for n in np.asarray(names).tolist()]


def load_idx_spec(spec, rest):
    """``(X, y, source, names or None)`` of ``idx:IMAGES:LABELS``; IMAGES and LABELS may be
    comma-separated lists of paths and glob patterns."""
    from ..datasets import load_idx

    images, sep, labels = rest.rpartition(":")
    if not sep or not images or not labels:
        raise DataError(f"an idx source is idx:IMAGES:LABELS, got {spec!r}")
    parts = expand(images.split(","))
    label_files = expand(labels.split(","))
    for path in [*parts, *label_files]:
        _require_file(path)
    X = load_idx(parts if len(parts) > 1 else parts[0])
    y = load_idx(label_files if len(label_files) > 1 else label_files[0])
    if X.ndim < 3:
        raise DataError(
            f"{images} holds an array of shape {X.shape}, not images (n, rows, cols); "
            "is it the labels file? An idx source is idx:IMAGES:LABELS"
        )
    if y.ndim != 1:
        raise DataError(
            f"{labels} holds an array of shape {y.shape}, not labels (n,); is it the images "
            "file? An idx source is idx:IMAGES:LABELS"
        )
    source = parts[0] if len(parts) == 1 else f"{parts[0]} (+{len(parts) - 1} parts)"
    if len(y) > len(X):
        y = _labels_of_parts(parts, labels, y)
    entry = known_set(parts)
    return X, y, source, None if entry is None else entry.names_of()


_PART = re.compile(r"^(?P<head>.*?part)(?P<k>\d+)(?P<of>of)(?P<n>\d+)(?P<tail>.*)$", re.IGNORECASE)


def _labels_of_parts(parts, labels_path, y):
    """The rows of the whole label array ``y`` that the image part files hold, in the order
    given. A part ``...partKKofNN...`` holds consecutive rows of the whole file, part 1 first;
    the row counts come from the parts' headers (of the parts given, and of the other parts
    when their files lie beside them). Anything that cannot be told is a DataError."""
    from ..datasets._idx import idx_shape

    n_labels = len(y)
    shown = ", ".join(os.path.basename(p) for p in parts)
    cannot = (f"{shown} hold fewer images than {labels_path} has labels ({n_labels}), and "
              "which of its rows they hold cannot be told")
    fix = ("put every part file beside them (their headers give the row counts), or give a "
           "labels file for these images only")
    matches = [_PART.match(os.path.basename(p)) for p in parts]
    if not all(matches):
        raise DataError(f"{cannot}: name the parts ...partKKofNN... (part KK of NN, in the "
                        f"whole file's order), or give a labels file for these images only")
    families = {(m["head"], m["of"], m["n"], m["tail"], os.path.dirname(os.path.abspath(p)))
                for m, p in zip(matches, parts, strict=True)}
    if len(families) != 1:
        raise DataError(f"{cannot}: the parts are not parts of one file (same name and "
                        "folder, but for KK); give one file's parts")
    head, of, n_text, tail, folder = families.pop()
    n_parts = int(n_text)
    width = len(matches[0]["k"])
    given = [int(m["k"]) for m in matches]
    if any(not 1 <= k <= n_parts for k in given) or len(set(given)) != len(given):
        raise DataError(f"{cannot}: their numbers {given} are not distinct parts 1 to "
                        f"{n_parts}")
    sizes = {}
    for k in range(1, n_parts + 1):
        path = os.path.join(folder, f"{head}{k:0{width}d}{of}{n_text}{tail}")
        if os.path.isfile(path):
            sizes[k] = idx_shape(path)[0]
    for k, path in zip(given, parts, strict=True):
        sizes[k] = idx_shape(path)[0]
    missing = [k for k in range(1, n_parts + 1) if k not in sizes]
    if missing:
        # The other parts are not here: they can only be assumed as big as the known ones
        # (the last may be smaller), and the total must come out as the number of labels.
        common = {sizes[k] for k in sizes if k != n_parts}
        if len(common) != 1:
            raise DataError(f"{cannot}: parts {missing} are not beside them and the known "
                            f"parts differ in size; {fix}")
        (size,) = common
        for k in missing:
            sizes[k] = size
        if n_parts in missing:
            sizes[n_parts] = n_labels - size * (n_parts - 1)
            if not 0 < sizes[n_parts] <= size:
                raise DataError(f"{cannot}: {n_parts} parts of {size} rows do not make "
                                f"{n_labels} labels; {fix}")
    total = sum(sizes.values())
    if total != n_labels:
        raise DataError(f"the {n_parts} parts of {head}KK{of}{n_text}{tail} hold {total} rows, "
                        f"but {labels_path} holds {n_labels} labels; is it that file's labels "
                        "file?")
    starts = np.cumsum([0] + [sizes[k] for k in range(1, n_parts)])
    return np.concatenate([y[starts[k - 1] : starts[k - 1] + sizes[k]] for k in given])


def load_folder(path, image_shape=None, color=None):
    """``(X, y, names)`` of a folder with one sub-folder of images per class, every image
    resized to ``image_shape`` (``(H, W)`` or ``(H, W, C)``; C says the colour when ``color``
    is None) and read as ``color`` ("gray", "rgb"; None: as the files are)."""
    from ..datasets import load_image_folder

    if os.path.isfile(path):
        raise DataError(f"{path} is a file; folder:PATH takes a folder with one sub-folder "
                        "of images per class")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"image folder not found: {path}")
    kwargs = {}
    if image_shape is not None:
        H, W, C = check_shape(image_shape, "image_shape")
        kwargs["image_shape"] = (H, W)
        if color is None and len(image_shape) == 3:
            color = "gray" if C == 1 else "rgb"
    if color is not None:  # None: the loader's own default, the colour of the files
        kwargs["color"] = color
    bunch = load_image_folder(path, **kwargs)
    return bunch.images, bunch.target, _names(bunch)


def _require_file(path):
    if os.path.isdir(path):
        raise DataError(f"{path} is a directory; expected a data file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data file not found: {path}")


def load_npz_spec(rest):
    """``(X, y, source, image_shape or None, names or None)`` of one npz file or several (a
    comma-separated list of paths and glob patterns, concatenated in order). Files of a known
    set (CIFAR-10's ``cifar10_test_partKKof10.npz``) bring its class names."""
    paths = expand(rest.split(","))
    loaded = [_load_npz(p) for p in paths]
    X, y, shape, names = loaded[0]
    if len(loaded) > 1:
        kinds = {(a[0].shape[1:], a[0].dtype.kind, a[1].dtype.kind, a[2]) for a in loaded}
        if len(kinds) != 1:
            shown = ", ".join(f"{os.path.basename(p)}: {a[0].shape}"
                              for p, a in zip(paths, loaded, strict=True))
            raise DataError(f"the npz files disagree on image shape or types ({shown}); give "
                            "the parts of one data set")
        X = np.concatenate([a[0] for a in loaded])
        y = np.concatenate([a[1] for a in loaded])
    if names is None and (entry := known_set(paths)) is not None:
        names = entry.names_of()
    source = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} parts)"
    return X, y, source, shape, names


def _load_npz(path):
    """``(X, y, image_shape or None, class names or None)`` of an npz file; every failure
    names the file."""
    _require_file(path)
    with open_npz(path, "save the data with numpy.savez(path, X=images, y=labels)",
                  DataError) as npz:
        x_key = next((k for k in _X_KEYS if k in npz.files), None)
        y_key = next((k for k in _Y_KEYS if k in npz.files), None)
        if x_key is None or y_key is None:
            raise DataError(
                f"{path} must hold arrays X and y (or data/images and target/labels); "
                f"it holds {sorted(npz.files) or 'no arrays'}"
            )
        names_key = next((k for k in _NAME_KEYS if k in npz.files), None)
        arrays = {key: read_array(npz, path, key, DataError)
                  for key in (x_key, y_key, "image_shape", names_key) if key in npz.files}
    shape = arrays.get("image_shape")
    if shape is not None:
        shape = check_shape(shape, f"{path}: array 'image_shape'")
    names = None
    if names_key is not None:
        names = arrays[names_key]
        if names.ndim != 1 or names.dtype.kind not in "US" or not len(names):
            raise DataError(f"{path}: array {names_key!r} must be a list of class names "
                            f"(strings), one per label; got {names.dtype} of shape "
                            f"{names.shape}")
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in names.tolist()]
    return arrays[x_key], arrays[y_key], shape, names

