"""Image sets read on demand: a memmap, a folder of files, any map-style torch ``Dataset``.

The networks and :class:`~skimgclf.neural.PretrainedFeatures` take these besides arrays and
read them batch by batch (through a DataLoader, with worker processes), so memory stays flat
in the number of images. Each is a map-style data set (``len``, ``ds[i]`` is one image) and a
scikit-learn "array-like" at once: ``shape``, and indexing by an array, a slice or a mask gives
a view of the same files (nothing is read), so ``GridSearchCV``, ``cross_validate`` and
``train_test_split`` cut them into folds as they cut arrays (in the spirit of skorch's
``SliceDataset``).

:class:`ImageDataset` is the base: a subclass says how to read one image (``_read``) or several
(``_read_many``), the shape of every image and, where it knows them, the labels. This module
imports neither torch nor the decoders: ``import skimgclf`` stays cheap.
"""

from __future__ import annotations

import copy
import mmap
import numbers
import os

import numpy as np

from .exceptions import InputError, InputTypeError

__all__ = ["ImageDataset", "ArrayImageDataset", "TorchImageDataset", "as_image_source",
           "is_image_source"]


class ImageDataset:
    """Base of the image sets read on demand: a view (``indices``) of rows of a source.

    Subclasses implement ``_n_rows`` (rows of the whole source), ``image_shape`` (``(H, W, C)``
    of every image), ``dtype`` and ``_read(row)`` (one ``(H, W, C)`` image); they may override
    ``_read_many(rows)`` where a batch reads faster at once, and ``_all_targets`` (the label of
    every row, or None).

    See Also
    --------
    ArrayImageDataset : An array or a memmap of images.
    TorchImageDataset : Any map-style torch ``Dataset`` of images.
    ImageFolderDataset : A folder with one sub-folder of image files per class.

    Examples
    --------
    >>> import numpy as np
    >>> class Ramp(ImageDataset):
    ...     image_shape, dtype = (2, 2, 1), np.dtype(np.uint8)
    ...     def _n_rows(self):
    ...         return 5
    ...     def _read(self, row):
    ...         return np.full(self.image_shape, row, dtype=self.dtype)
    >>> ds = Ramp()
    >>> ds.shape, int(ds[-1][0, 0, 0]), ds[1::2].read([1, 0])[:, 0, 0, 0].tolist()
    ((5, 2, 2, 1), 4, [3, 1])
    """

    _indices: np.ndarray | None = None

    # ---------------------------------------------------------------- for subclasses
    def _n_rows(self) -> int:
        raise NotImplementedError

    def _read(self, row: int) -> np.ndarray:
        raise NotImplementedError

    def _read_many(self, rows: np.ndarray) -> np.ndarray:
        return np.stack([self._read(int(r)) for r in rows]) if len(rows) else np.empty(
            (0, *self.image_shape), dtype=self.dtype)

    def _all_targets(self):
        return None

    image_shape: tuple[int, int, int]
    dtype: np.dtype

    # ---------------------------------------------------------------- the view
    def _rows(self) -> np.ndarray:
        return np.arange(self._n_rows()) if self._indices is None else self._indices

    def __len__(self) -> int:
        return self._n_rows() if self._indices is None else len(self._indices)

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n, H, W, C)``: what an array of these images would be (nothing is read)."""
        return (len(self), *self.image_shape)

    @property
    def ndim(self) -> int:
        return 4

    @property
    def targets(self) -> np.ndarray | None:
        """The label of each image of the view (None where the source has none)."""
        labels = self._all_targets()
        return None if labels is None else np.asarray(labels)[self._rows()]

    def read(self, positions) -> np.ndarray:
        """The images at ``positions`` (of this view) as one ``(k, H, W, C)`` array.

        Parameters
        ----------
        positions : array-like of int of shape (k,)
            Positions in this view, in any order, repeated or not.

        Returns
        -------
        images : ndarray of shape (k, H, W, C)
            The images, in the order of ``positions``.
        """
        rows = self._rows()[np.asarray(positions, dtype=np.intp)]
        return self._read_many(rows)

    def __getitem__(self, key):
        if isinstance(key, tuple):  # scikit-learn's _safe_indexing asks for X[key, ...]
            if len(key) > 2 or (len(key) == 2 and key[1] is not Ellipsis):
                raise IndexError(f"{type(self).__name__} is indexed by rows only, got {key!r}")
            key = key[0]
        if isinstance(key, numbers.Integral):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f"image {key} is out of range for {n} images")
            return self._read(int(self._rows()[key]))
        rows = self._rows()[_as_row_index(key, len(self))]
        view = copy.copy(self)
        view._indices = rows
        return view

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        return f"{type(self).__name__}({len(self)} images of {_shape_text(self.image_shape)})"


def _as_row_index(key, n):
    if isinstance(key, slice):
        return np.arange(n)[key]
    key = np.asarray(key)
    if key.size == 0:  # [] is float64 to numpy, yet selects no image, as it does in an array
        key = key.astype(np.intp)
    if key.dtype == bool:
        if key.shape != (n,):
            raise IndexError(f"a boolean mask of shape {key.shape} cannot index {n} images")
        return np.flatnonzero(key)
    if key.dtype.kind not in "iu":
        raise IndexError(f"images are indexed by integers, slices or masks, got {key.dtype}")
    if key.ndim != 1:  # a view is a list of rows: a 0-d or 2-d index would make a broken one
        raise IndexError(f"images are indexed by a 1-d array of rows, got shape {key.shape}")
    out = (key >= n) | (key < -n)
    if out.any():  # name an index that is out of range, not merely the largest
        raise IndexError(f"index {int(key[out][0])} is out of range for {n} images")
    return key.astype(np.intp, copy=False)


def _shape_text(shape):
    return "x".join(map(str, shape))


class ArrayImageDataset(ImageDataset):
    """An array of images read batch by batch: a ``numpy.memmap`` is never read whole.

    A batch reads only its rows (in file order, then put back in the order asked for), so a
    memmap larger than memory can be trained on; images of shape (H, W) get one channel.

    Parameters
    ----------
    images : ndarray of shape (n, H, W), (n, H, W, C) or a memmap of it
        The images; indexing it per batch reads only those rows from disk.
    targets : array-like of shape (n,) or None, default=None
        The label of each image.

    See Also
    --------
    TorchImageDataset : Any map-style torch ``Dataset`` of images.
    ImageFolderDataset : A folder with one sub-folder of image files per class.

    Examples
    --------
    >>> import numpy as np
    >>> ds = ArrayImageDataset(np.zeros((10, 8, 8), dtype=np.uint8), targets=np.arange(10) % 2)
    >>> ds.shape, ds[3].shape
    ((10, 8, 8, 1), (8, 8, 1))
    >>> folds = ds[np.array([1, 2, 5])]
    >>> len(folds), folds.targets.tolist(), folds.read([0, 2]).shape
    (3, [1, 0, 1], (2, 8, 8, 1))
    """

    def __init__(self, images, targets=None):
        if getattr(images, "ndim", None) not in (3, 4):
            raise InputError(
                f"{type(self).__name__} takes an array of shape (n, H, W) or (n, H, W, C); got "
                f"{getattr(images, 'shape', type(images).__name__)}"
            )
        self.images = images
        self.image_shape = tuple(images.shape[1:]) + ((1,) if images.ndim == 3 else ())
        self.dtype = np.dtype(images.dtype)
        self._targets = None if targets is None else np.asarray(targets)
        if self._targets is not None and len(self._targets) != len(images):
            raise InputError(f"{len(images)} images but {len(self._targets)} targets")

    def _n_rows(self):
        return len(self.images)

    def _read(self, row):
        return np.asarray(self.images[row]).reshape(self.image_shape)

    def _read_many(self, rows):
        # Rows are read in file order, then put back in the asked order.
        order = np.argsort(rows, kind="stable")
        batch = np.empty((len(rows), *self.image_shape), dtype=self.dtype)
        layout = _file_layout(self.images)
        if layout is None:
            batch[order] = np.asarray(self.images[rows[order]]).reshape(-1, *self.image_shape)
        else:
            _read_rows_from_file(layout, rows[order], batch, order)
        return batch

    def _all_targets(self):
        return self._targets


def _file_layout(images):
    """``(path, position of row 0, row stride, row bytes)`` of a memmap whose rows can be read
    from its file with plain reads; None for other arrays.

    Read through the mapping, every page of an epoch stays mapped into the process and counts
    in its resident memory (the whole file, after one epoch); read with ``pread``, the pages
    only pass through the kernel's page cache, which the system reclaims as it needs.
    """
    mapping = getattr(images, "_mmap", None)
    if not isinstance(images, np.memmap) or mapping is None or not images.filename:
        return None
    if len(images) == 0 or images.strides[0] <= 0 or not images[0].flags.c_contiguous:
        return None
    try:
        base = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    except (TypeError, ValueError):
        return None
    # numpy maps the file from the page boundary below the array's offset; a view (a slice of
    # the memmap) keeps that offset and the mapping, so positions follow from addresses.
    mapped_from = images.offset - images.offset % mmap.ALLOCATIONGRANULARITY
    row_bytes = images[0].nbytes
    return images.filename, images.ctypes.data - base + mapped_from, images.strides[0], row_bytes


def _read_rows_from_file(layout, rows, batch, order):
    """Read ``rows`` (sorted) of a memmap's file into ``batch[order]``."""
    path, first, stride, row_bytes = layout
    out = batch.reshape(len(batch), -1).view(np.uint8)
    with open(path, "rb", buffering=0) as f:
        for k, row in zip(order, rows, strict=True):
            got = os.preadv(f.fileno(), [out[k]], first + int(row) * stride)
            if got != row_bytes:
                raise OSError(f"{path} ended before image {int(row)} ({got} of {row_bytes} "
                              "bytes): the file is shorter than the memmap's shape says")


class TorchImageDataset(ImageDataset):
    """Any map-style torch ``Dataset`` of images, read item by item.

    Items may be an image or an ``(image, label)`` pair; an image is a tensor or an array, in
    ``(C, H, W)`` order for a tensor (torchvision's) and ``(H, W[, C])`` for an array, or a PIL
    image. The labels come from ``targets`` (given, or the data set's own ``targets``
    attribute, as torchvision's have); without them, from the items' labels, read once.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        A map-style data set (``len`` and ``dataset[i]``).
    targets : array-like of shape (n,) or None, default=None
        The label of each item, when the data set does not carry them.

    See Also
    --------
    ArrayImageDataset : An array or a memmap of images.
    ImageFolderDataset : A folder with one sub-folder of image files per class.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> pairs = TensorDataset(torch.zeros(6, 3, 8, 8), torch.tensor([0, 1, 0, 1, 1, 0]))
    >>> ds = TorchImageDataset(pairs)
    >>> ds.shape, ds[0].shape, ds[ds.targets == 1].targets.tolist()
    ((6, 8, 8, 3), (8, 8, 3), [1, 1, 1])
    """

    def __init__(self, dataset, targets=None):
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise InputTypeError(
                f"{type(dataset).__name__} is not a map-style data set (it needs __len__ and "
                "__getitem__); an iterable-style torch data set cannot be indexed into folds"
            )
        if len(dataset) == 0:
            raise InputError(f"{type(dataset).__name__} holds no items")
        self.dataset = dataset
        first = _image_of(dataset[0])
        self.image_shape = first.shape
        self.dtype = first.dtype
        if targets is None:
            targets = getattr(dataset, "targets", None)
        self._targets = None if targets is None else np.asarray(targets)

    def _n_rows(self):
        return len(self.dataset)

    def _read(self, row):
        image = _image_of(self.dataset[row])
        if image.shape != self.image_shape:
            raise InputError(
                f"item {row} of {type(self.dataset).__name__} is an image of "
                f"{_shape_text(image.shape)}, but item 0 is {_shape_text(self.image_shape)}; "
                "every image must have one shape (resize them in the data set's transform)"
            )
        return image

    def _all_targets(self):
        if self._targets is None:
            items = (self.dataset[i] for i in range(len(self.dataset)))
            labels = [item[1] for item in items if isinstance(item, (tuple, list))]
            if len(labels) == len(self.dataset):
                self._targets = np.asarray([getattr(v, "item", lambda v=v: v)() for v in labels])
        return self._targets


def _image_of(item):
    """The image of a data set item as an ``(H, W, C)`` array."""
    image = item[0] if isinstance(item, (tuple, list)) else item
    if hasattr(image, "detach"):  # a tensor: torchvision's (C, H, W) order
        image = image.detach().cpu().numpy()
        if image.ndim == 3:
            image = np.moveaxis(image, 0, 2)
    image = np.asarray(image)  # a PIL image or an array: (H, W[, C])
    if image.ndim == 2:
        image = image[..., np.newaxis]
    if image.ndim != 3:
        raise InputError(f"a data set item holds an array of shape {image.shape}, not an image")
    return image


def is_image_source(X) -> bool:
    """Whether fit/predict read ``X`` on demand rather than as one array in memory."""
    if isinstance(X, (ImageDataset, np.memmap)):
        return True
    return _is_torch_dataset(X)


def _is_torch_dataset(X) -> bool:
    import sys

    data = sys.modules.get("torch.utils.data")
    return data is not None and isinstance(X, data.Dataset)


def as_image_source(X, y=None) -> ImageDataset:
    """``X`` as an :class:`ImageDataset` (a memmap or a torch Dataset wrapped; labels attached)."""
    if isinstance(X, ImageDataset):
        return X
    if isinstance(X, np.memmap):
        return ArrayImageDataset(X, y)
    if _is_torch_dataset(X):
        return TorchImageDataset(X, y)
    raise InputTypeError(f"{type(X).__name__} is not an image set read on demand")
