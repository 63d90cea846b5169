"""The images behind the estimators' fast path: kept in their own dtype until the batch.

skorch's default path builds a per-sample ``Dataset`` and collates every batch in Python. Here
the images become one ``(n, H, W, C)`` tensor that shares the caller's memory where it can
(uint8 pixels stay uint8, float32 stays float32: no copy on the CPU, a quarter of the transfer
of float32 to a GPU for pixels), and each batch is one index-select of it, converted there:
``(x - offset) * factor`` in float32 on the compute device (scaling to [0, 1], or the
per-channel / per-pixel standardisation of ``normalize``), then seen as ``(n, C, H, W)`` in
``channels_last`` memory order for conv nets, or as flat rows for MLPs. A validation split is a
view (an index), not a copy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from ..augment import RandomAffine


class InputTransform:
    """``(x - offset) * factor`` in float32: what turns stored pixels into network input.

    ``offset`` and ``factor`` are scalars or tensors broadcasting against ``(b, H, W, C)``
    batches: per channel ``(C,)`` or per pixel ``(H, W, C)``. Tensors are moved to a batch's
    device on first use there (and kept), so the same transform serves CPU and CUDA batches.
    """

    def __init__(self, offset=0.0, factor=1.0):
        self.offset = torch.as_tensor(offset, dtype=torch.float32)
        self.factor = torch.as_tensor(factor, dtype=torch.float32)
        self._shifts = bool(self.offset.any())  # decided once: no device sync per batch
        self._on = {}

    def _constants(self, device):
        key = str(device)
        if key not in self._on:  # a race only computes the same tensors twice
            self._on[key] = (self.offset.to(device), self.factor.to(device))
        return self._on[key]

    def __call__(self, xb: torch.Tensor) -> torch.Tensor:
        offset, factor = self._constants(xb.device)
        out = xb.to(torch.float32)
        if out.data_ptr() == xb.data_ptr():  # already float32: never write into stored images
            out = out - offset if self._shifts else out.clone()
        elif self._shifts:
            out.sub_(offset)
        return out.mul_(factor)

    def __getstate__(self):
        return {**vars(self), "_on": {}}  # device copies are remade where it is loaded


def images_to_tensor(images: np.ndarray, device, max_fraction=0.5) -> torch.Tensor:
    """The images as a tensor in their own dtype, sharing the caller's memory on the CPU.

    uint8 and float32 images are used as they are (a contiguous array is not copied; nothing
    ever writes into it); other integer types become uint8 when their values are 0-255, else
    float32, and other floats float32. On CUDA the images are
    copied to the device when they take at most ``max_fraction`` of its free memory, else kept
    in pinned host memory, from where batches travel one at a time.
    """
    images = np.ascontiguousarray(images)
    if images.dtype.kind in "uib" and images.dtype != np.uint8:
        # 0-255 values of a wider type are stored as uint8; others (e.g. 16-bit images with an
        # explicit input_scale) as float32, never wrapped around
        fits = images.size == 0 or (images.min() >= 0 and images.max() <= 255)
        images = images.astype(np.uint8 if fits else np.float32)
    elif images.dtype.kind == "f" and images.dtype != np.float32:
        images = images.astype(np.float32)
    if images.flags.writeable:  # catch_warnings swaps the process's filters: not in threads
        tensor = torch.from_numpy(images)
    else:
        with warnings.catch_warnings():
            # A read-only array (a memmap opened "r", np.broadcast_to) is shared as it is: the
            # tensor is only ever read (InputTransform makes new batches).
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            tensor = torch.from_numpy(images)
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        if tensor.numel() * tensor.element_size() <= max_fraction * free:
            return tensor.to(device)
        return tensor.pin_memory()
    return tensor.to(device)


class ImageTensorData(torch.utils.data.Dataset):
    """Stored images ``(n, H, W, C)``, optional encoded labels, and the batch conversion.

    Works as a regular ``Dataset`` (per-sample ``__getitem__``) for custom iterators, and
    :meth:`batch` gives whole converted batches for :class:`TensorBatchIterator`.

    Parameters
    ----------
    X : torch.Tensor of shape (n, H, W, C)
        Stored images (uint8 or float32), shared, never written to.
    y : torch.Tensor of shape (n,) or None
    flat : bool
        Give batches as ``(b, H*W*C)`` rows (MLPs) instead of ``(b, C, H, W)`` images.
    transform : InputTransform or None
        The stored-to-input conversion (None: a float conversion alone).
    index : torch.Tensor or None
        The rows of ``X`` (and ``y``) this data set holds (a view); None is all of them.
    """

    def __init__(self, X, y=None, flat=False, transform=None, index=None):
        self.X = X
        self.y = y
        self.flat = flat
        self.transform = transform if transform is not None else InputTransform()
        self.index = index

    def __len__(self):
        return len(self.X) if self.index is None else len(self.index)

    @property
    def image_shape(self):
        return tuple(self.X.shape[1:])

    @property
    def labels(self):
        """The labels of the rows held (a tensor), or None."""
        if self.y is None:
            return None
        return self.y if self.index is None else self.y[self.index]

    def _view(self, xb):
        if self.flat:
            return xb.reshape(len(xb), -1)
        return xb.permute(0, 3, 1, 2)  # NHWC storage seen as NCHW = channels_last

    def _rows(self, index):
        if self.index is None:
            return index
        return self.index[index]

    def __getitem__(self, i):
        xb, yb = self.batch(slice(i, i + 1), "cpu")
        return xb[0], (yb[0] if yb is not None else torch.tensor(0))

    def batch(self, index, device):
        """``(X_batch, y_batch)`` for a slice or an index tensor, converted, on ``device``."""
        rows = self._rows(index)
        xb = self.transform(self.X[rows].to(device, non_blocking=True))
        yb = None if self.y is None else self.y[rows].to(device, non_blocking=True)
        return self._view(xb), yb

    def subset(self, index):
        """The rows ``index`` (a numpy index array) as a view: nothing is copied."""
        idx = torch.as_tensor(np.asarray(index), dtype=torch.long, device=self.X.device)
        return ImageTensorData(self.X, self.y, self.flat, self.transform, self._rows(idx))


class TensorBatchIterator:
    """Batches of an :class:`ImageTensorData` by slicing (shuffled index batches in training),
    or of a :class:`StreamData` by reading them.

    Re-iterable: every pass (epoch) draws a new permutation from ``generator``. A
    :class:`~skimgclf.augment.RandomAffine` with ``hflip="alternate"`` is told which images to
    mirror: a random half in the first pass, then in each pass the images the previous one did
    not mirror.

    Parameters
    ----------
    data : ImageTensorData
    batch_size : int
    shuffle : bool
    generator : torch.Generator or None
        CPU generator for the permutations and the augmentation draws.
    transform : callable or None
        ``transform(images_nchw, generator)`` applied to each batch (augmentation).
    device : str or torch.device
        Where batches are computed.
    drop_last : bool
    num_workers : int
        Processes that read the batches of a :class:`StreamData` ahead (0: this one).
    shard : callable or None
        ``shard(index, n)``: the part of each batch this process trains on (data-parallel
        training, see ``_distributed``), None to skip a batch; None trains on whole batches.
    """

    def __init__(self, data, batch_size, *, shuffle=False, generator=None, transform=None,
                 device="cpu", drop_last=False, num_workers=0, shard=None):
        self.data = data
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.transform = transform
        self.device = device
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.shard = shard
        self._passes = 0
        self._first_flips = None  # per image, drawn on the first pass (alternating flips)

    def __len__(self):
        n = len(self.data)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _indices(self):
        n, size = len(self.data), self.batch_size
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        if order is not None and isinstance(self.data, ImageTensorData):
            order = order.to(self.data.X.device)
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            index = slice(start, start + size) if order is None else order[start : start + size]
            if self.shard is not None:  # data-parallel: this process's part of the batch
                index = self.shard(index, n)
                if index is None:
                    continue
            yield index

    def __iter__(self):
        indices = list(self._indices())
        if isinstance(self.data, StreamData):
            batches = self.data.batches(indices, self.device, self.num_workers)
        else:
            batches = (self.data.batch(index, self.device) for index in indices)
        flips = self._alternate_flips()
        for index, (xb, yb) in zip(indices, batches, strict=True):
            if self.transform is not None:
                xb = self._augment(xb, None if flips is None else flips[_on_cpu(index)])
            yield xb, yb

    def _alternate_flips(self):
        """Which images this pass mirrors, for ``hflip="alternate"`` (else None): the first
        pass's random half, and its complement on every other pass."""
        if not (isinstance(self.transform, RandomAffine) and self.transform.hflip == "alternate"):
            return None
        if self._first_flips is None:
            self._first_flips = torch.rand(len(self.data), generator=self.generator) < 0.5
        flips = self._first_flips if self._passes % 2 == 0 else ~self._first_flips
        self._passes += 1
        return flips

    def _augment(self, xb, flips=None):
        # Only RandomAffine takes flips: a user's callable keeps its (batch, generator) call.
        extra = {} if flips is None else {"flips": flips}
        if not self.data.flat:
            return self.transform(xb, self.generator, **extra).contiguous(
                memory_format=torch.channels_last)
        h, w, c = self.data.image_shape
        images = xb.reshape(-1, h, w, c).permute(0, 3, 1, 2)
        return self.transform(images, self.generator, **extra).permute(0, 2, 3, 1).reshape(
            len(xb), -1)


def _on_cpu(index):
    """A batch's index (a slice, or a tensor on the data's device) for indexing CPU tensors."""
    return index if isinstance(index, slice) else index.cpu()


class StreamData(torch.utils.data.Dataset):
    """Images read on demand (an :class:`~skimgclf._sources.ImageDataset`) and encoded labels.

    The counterpart of :class:`ImageTensorData` for data that stays on disk: a batch is read
    from the source (by :class:`TensorBatchIterator`, through a DataLoader whose workers do the
    reading and decoding), moved to the device in its own dtype and converted there.

    Parameters
    ----------
    source : ImageDataset
    y : torch.Tensor of shape (len(source),) or None
    flat, transform : as in :class:`ImageTensorData`
    index : ndarray of int or None
        The positions of ``source`` this data set holds (a view); None is all of them.
    """

    def __init__(self, source, y=None, flat=False, transform=None, index=None):
        self.source = source
        self.y = y
        self.flat = flat
        self.transform = transform if transform is not None else InputTransform()
        self.index = index

    def __len__(self):
        return len(self.source) if self.index is None else len(self.index)

    @property
    def image_shape(self):
        return tuple(self.source.image_shape)

    @property
    def labels(self):
        if self.y is None:
            return None
        return self.y if self.index is None else self.y[torch.as_tensor(self.index)]

    _view = ImageTensorData._view

    def _positions(self, index):
        positions = np.arange(len(self))[index] if isinstance(index, slice) else np.asarray(
            index.cpu() if torch.is_tensor(index) else index, dtype=np.intp)
        return positions if self.index is None else self.index[positions]

    def __getitem__(self, i):
        xb, yb = self.batch(slice(i, i + 1), "cpu")
        return xb[0], (yb[0] if yb is not None else torch.tensor(0))

    def _labels_at(self, positions, device):
        if self.y is None:
            return None
        return self.y[torch.as_tensor(positions, device=self.y.device)].to(device)

    def batch(self, index, device):
        """``(X_batch, y_batch)`` read for a slice or index array, converted, on ``device``."""
        positions = self._positions(index)
        raw = torch.from_numpy(np.ascontiguousarray(self.source.read(positions)))
        xb = self.transform(raw.to(device, non_blocking=True))
        return self._view(xb), self._labels_at(positions, device)

    def subset(self, index):
        """The positions ``index`` (a numpy index array) as a view: nothing is read."""
        return StreamData(self.source, self.y, self.flat, self.transform,
                          self._positions(np.asarray(index)))

    def batches(self, indices, device, num_workers=0):
        """``(X_batch, y_batch)`` for each index batch of ``indices``, read ahead by
        ``num_workers`` processes (pinned memory on CUDA), converted on ``device``."""
        reads = [self._positions(index) for index in indices]
        loader = torch.utils.data.DataLoader(
            _BatchReader(self.source, reads), batch_size=None, shuffle=False,
            num_workers=num_workers, pin_memory=torch.device(device).type == "cuda")
        for positions, raw in zip(reads, loader, strict=True):
            xb = self.transform(raw.to(device, non_blocking=True))
            yield self._view(xb), self._labels_at(positions, device)


class _BatchReader(torch.utils.data.Dataset):
    """Item ``k`` is the ``k``-th batch of images, read whole: a DataLoader's workers read
    batches (one memmap fancy index, or one worker decoding a batch of files)."""

    def __init__(self, source, reads):
        self.source = source
        self.reads = reads

    def __len__(self):
        return len(self.reads)

    def __getitem__(self, k):
        return torch.from_numpy(np.ascontiguousarray(self.source.read(self.reads[k])))
