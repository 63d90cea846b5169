"""Read images, labels and class names from a data specification string, as the command line
takes it.

Specifications
--------------
- ``digits``: the embedded 8x8 digits (no download).
- A registered data set by name: ``mnist``, ``fashion-mnist``, ``kmnist``, ``cifar10``,
  ``svhn``, ``emnist-SPLIT`` (e.g. ``emnist-balanced``; ``emnist`` alone is the balanced
  split). Case, and ``_`` for ``-``, do not matter (``fashion_mnist``). Found in the data home
  in this order: the cache (``<data home>/<key>/``), a local copy (whole files or
  ``.partKKofNN`` parts, e.g. ``<data home>/fashion-mnist/``), then the web unless
  ``download=False`` (see :mod:`skimgclf.datasets._lookup`).
- ``idx:IMAGES:LABELS``: IDX files; ``IMAGES`` (and ``LABELS``) may list files separated by
  commas, each a path or a glob pattern (``train-images*.gz``), a pattern's matches sorted by
  part number. Parts named ``...partKKofNN...`` may come with the whole label file: the labels
  of the parts' rows are taken from it (the parts' headers give their row counts, their names
  the order). Files of a known set, in a folder named after it, bring its class names.
- ``folder:PATH``: one sub-folder per class (:func:`skimgclf.datasets.load_image_folder`),
  resized to ``image_shape`` and read as ``color``.
- ``PATH.npz`` or ``npz:PATH`` (paths and glob patterns, comma-separated, concatenated): arrays
  ``X`` and ``y`` (or ``data``/``images`` and ``target``/``labels``), optionally
  ``target_names`` (or ``class_names``); files of a known set (CIFAR-10's
  ``cifar10_test_partKKof10.npz``) bring its class names. ``X`` holds images, ``(n, H, W)`` or
  ``(n, H, W, C)``, or flat rows ``(n, H*W*C)`` in (H, W, C) order; flat rows take their shape
  from an optional array ``image_shape`` in the file (``[H, W]`` or ``[H, W, C]``), else from
  the ``image_shape`` argument, else they must be square grayscale images.

Every source gives its images in their natural layout, ``(n, H, W)`` or ``(n, H, W, C)``, so that
nothing downstream re-derives the image shape from a row width. Class names follow scikit-learn's
``target_names`` convention: with integer labels, ``target_names[i]`` names the label ``i``;
string labels name themselves. Anything wrong with the data raises :class:`DataError` (an
:class:`~skimgclf.exceptions.InputError`) or ``FileNotFoundError`` naming the file.

The package holds one idea per module: ``_spec`` (kinds and spellings of specifications),
``_sources`` (reading each kind), ``_checks`` (what every source's arrays go through).
"""

from __future__ import annotations

from ._spec import NAMED_DATASETS, DataError, canonical_spec, class_names_for, describe, kind_of

__all__ = ["load_data", "describe", "canonical_spec", "class_names_for", "DataError",
           "NAMED_DATASETS"]


def load_data(spec, *, subset="train", data_home=None, download=True, image_shape=None,
              color=None, class_names=None, limit=None, random_state=None):
    """Read a data specification (see the module docstring): images, labels, class names.

    Parameters
    ----------
    spec : str
        The data specification.
    subset : {"train", "test"}, default="train"
        Split of a named data set.
    data_home : str or None
        Data home of the named sets: their cache and local copies (None: ``$SKIMGCLF_DATA``,
        else ``~/skimgclf_data``).
    download : bool, default=True
        Whether a named set missing from the data home may be downloaded.
    image_shape : tuple of int or None
        ``(H, W)`` or ``(H, W, C)``: the size image folders are resized to; the shape of the
        rows of a flat npz file; for other data, the shape it must have.
    color : {"gray", "rgb"} or None
        Read the images as grayscale ``(n, H, W)`` or RGB ``(n, H, W, 3)``; None keeps what the
        data holds.
    class_names : list of str or None
        Names of the classes, ``class_names[i]`` for the label ``i``; they replace the names
        the data brings. Every label must have one, and there must be no more names than
        labels ``0 .. max``.
    limit : int or None
        Keep a stratified random subset of this many images (all of them when there are no
        more), in the data's order; it must be at least the number of classes.
    random_state : int or None
        Seed of the ``limit`` subset.

    Returns
    -------
    Bunch
        ``images`` (n, H, W) or (n, H, W, C) in their natural layout, ``target`` (n,),
        ``target_names`` (list of str, indexed by label value, or None when the data names no
        classes), ``source`` (how to name the data in messages), ``n_total`` (images before
        ``limit``), ``location`` (where a named set was read: the cache or a local copy).

    Examples
    --------
    >>> data = load_data("digits", limit=100, random_state=0)
    >>> data.images.shape, data.target.shape, data.n_total, data.target_names[:3]
    ((100, 8, 8), (100,), 1797, ['0', '1', '2'])
    >>> load_data("npz:/no/such/file.npz")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data file not found: /no/such/file.npz
    """
    from sklearn.utils import Bunch

    from ._checks import as_images, check_names, limit_subset, to_color
    from ._sources import load_folder, load_idx_spec, load_named, load_npz_spec

    if color not in (None, "gray", "rgb"):
        raise DataError(f"color must be 'gray', 'rgb' or None; got {color!r} (--color gray|rgb)")
    kind, rest = kind_of(spec)
    names, shape_in_file, location = None, None, None
    if kind == "npz":
        X, y, source, shape_in_file, names = load_npz_spec(rest)
    elif kind == "idx":
        X, y, source, names = load_idx_spec(spec, rest)
    elif kind == "folder":
        X, y, names = load_folder(rest, image_shape, color)
        source, image_shape = rest, None  # resized already
    else:
        X, y, names, location = load_named(spec, subset, data_home, download)
        source = spec
    # Flat rows need the shape to become images; images are converted to ``color`` before
    # their shape is compared with the one given (RGB data asked for as gray 32x32).
    flat = getattr(X, "ndim", None) == 2
    X, y = as_images(X, y, source, shape_in_file,
                     image_shape if flat or color is None else None)
    if color is not None:
        X = to_color(X, color)
        if image_shape is not None and not flat:
            X, y = as_images(X, y, source, None, image_shape)
    if class_names is not None:
        names = check_names(y, class_names, source, "the class names given", exact=True)
    elif names is not None:
        names = check_names(y, names, source, f"the class names of {source}", exact=False)
    n_total = len(y)
    if limit is not None:
        X, y = limit_subset(X, y, limit, random_state, source)
    return Bunch(images=X, target=y, target_names=names, source=source, n_total=n_total,
                 location=location)
