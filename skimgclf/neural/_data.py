"""In-memory image tensors and the slicing iterator behind the estimators' fast path.

skorch's default path builds a per-sample ``Dataset`` and collates every batch in Python. Here
the images are converted once to a float32 ``(n, H, W, C)`` tensor (on the compute device when it
fits) and each batch is one index-select of that tensor, seen as ``(n, C, H, W)`` in
``channels_last`` memory order (no copy) for conv nets, or flat rows for MLPs.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def images_to_tensor(images: np.ndarray, scale: float, device, max_fraction=0.5) -> torch.Tensor:
    """A new float32 ``(n, H, W, C)`` tensor (the caller's array is never written to).

    On CUDA the tensor is kept in host memory (pinned) when it would take more than
    ``max_fraction`` of the free device memory; batches then travel one at a time.
    """
    tensor = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32, copy=True)
    if scale != 1:
        tensor.mul_(scale)
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        if tensor.numel() * 4 <= max_fraction * free:
            return tensor.to(device)
        return tensor.pin_memory()
    return tensor.to(device)


class ImageTensorData(torch.utils.data.Dataset):
    """Images ``(n, H, W, C)`` and optional encoded labels, as tensors.

    Works as a regular ``Dataset`` (per-sample ``__getitem__``) for custom iterators, and
    :meth:`batch` gives whole batches for :class:`TensorBatchIterator`.

    Parameters
    ----------
    X : torch.Tensor of shape (n, H, W, C)
    y : torch.Tensor of shape (n,) or None
    flat : bool
        Give batches as ``(b, H*W*C)`` rows (MLPs) instead of ``(b, C, H, W)`` images.
    """

    def __init__(self, X, y=None, flat=False):
        self.X = X
        self.y = y
        self.flat = flat

    def __len__(self):
        return len(self.X)

    def _view(self, xb):
        if self.flat:
            return xb.reshape(len(xb), -1)
        return xb.permute(0, 3, 1, 2)  # NHWC storage seen as NCHW = channels_last

    def __getitem__(self, i):
        xi = self._view(self.X[i : i + 1])[0]
        yi = self.y[i] if self.y is not None else torch.tensor(0)
        return xi, yi

    def batch(self, index, device):
        """``(X_batch, y_batch)`` for a slice or an index tensor, on ``device``."""
        xb = self.X[index].to(device, non_blocking=True)
        yb = None if self.y is None else self.y[index].to(device, non_blocking=True)
        return self._view(xb), yb

    def subset(self, index):
        """The rows ``index`` (a numpy index array) as a new ``ImageTensorData``."""
        idx = torch.as_tensor(index, device=self.X.device)
        return ImageTensorData(self.X[idx], None if self.y is None else self.y[idx], self.flat)


class TensorBatchIterator:
    """Batches of an :class:`ImageTensorData` by slicing (shuffled index batches in training).

    Re-iterable: every pass (epoch) draws a new permutation from ``generator``.

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
    """

    def __init__(self, data, batch_size, *, shuffle=False, generator=None, transform=None,
                 device="cpu", drop_last=False):
        self.data = data
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.transform = transform
        self.device = device
        self.drop_last = drop_last

    def __len__(self):
        n = len(self.data)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n, size = len(self.data), self.batch_size
        order = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.data.X.device)
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            index = slice(start, start + size) if order is None else order[start : start + size]
            xb, yb = self.data.batch(index, self.device)
            if self.transform is not None:
                xb = self._augment(xb)
            yield xb, yb

    def _augment(self, xb):
        if not self.data.flat:
            return self.transform(xb, self.generator).contiguous(memory_format=torch.channels_last)
        h, w, c = self.data.X.shape[1:]
        images = xb.reshape(-1, h, w, c).permute(0, 3, 1, 2)
        return self.transform(images, self.generator).permute(0, 2, 3, 1).reshape(len(xb), -1)
