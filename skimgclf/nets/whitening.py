"""A first layer that whitens the image's patches, fitted to the training images.

The fast CIFAR-10 recipes (Page's ResNet-9 "bag of tricks", airbench) start the network with a
fixed convolution whose filters are the principal directions of the training images' small
patches, each scaled to unit variance: the layers after it learn on decorrelated inputs of
equal scale, which an optimiser handles better than raw pixels, whose neighbours are almost
the same number.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..exceptions import InputError

__all__ = ["PatchWhitening"]

# Patches per covariance chunk: bounds the memory of the unfolded patches (~16 MB at 27 dims).
_CHUNK_PATCHES = 1 << 17


class PatchWhitening(nn.Module):
    """A fixed ``patch x patch`` convolution that whitens the input's patches (PCA whitening).

    Until :meth:`init_from_data` sees training images, the layer passes each patch on as it is
    (output channel ``i`` is pixel ``i`` of the patch). ``init_from_data`` sets its filters to
    the eigenvectors of the patches' covariance, each divided by ``sqrt(eigenvalue + eps)``:
    every output channel then has unit variance on the training images and no two are
    correlated. The filters are a buffer, not parameters: the optimiser never changes them,
    and they are saved with the network's state. The output has the input's height and width
    (zero padding) and ``in_channels * patch**2`` channels.

    :class:`~skimgclf.neural.CNNClassifier` calls ``init_from_data`` of a network that has it
    (a network built on this layer forwards the call) once before the first training step,
    with up to 2,000 training images as the network sees them (scaled or standardised, not
    augmented).

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    patch : int, default=3
        Side of the patches; odd, so that the output keeps the input's size.
    eps : float, default=5e-4
        Added to each eigenvalue, as a fraction of the mean patch variance: it bounds the
        gain of the directions in which the images hardly vary (noise).

    See Also
    --------
    ResNet9 : Starts with this layer when built with ``whiten=True``.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> noise = torch.rand(64, 1, 16, 16)
    >>> images = noise + 0.5 * noise.roll(1, dims=3)  # neighbouring pixels correlated
    >>> layer = PatchWhitening(1, patch=3)
    >>> layer.init_from_data(images)
    >>> out = layer(images)[:, :, 1:-1, 1:-1].permute(1, 0, 2, 3).reshape(9, -1)
    >>> bool(torch.allclose(torch.cov(out), torch.eye(9), atol=0.02))
    True
    """

    def __init__(self, in_channels, patch=3, eps=5e-4):
        super().__init__()
        if not (isinstance(patch, int) and patch >= 1 and patch % 2 == 1):
            raise InputError(f"patch must be an odd positive int (1, 3, 5, ...); got {patch!r}")
        if not eps > 0:
            raise InputError(f"eps must be > 0; got {eps!r}")
        self.in_channels, self.patch, self.eps = int(in_channels), patch, float(eps)
        n_out = self.in_channels * patch * patch
        identity = torch.eye(n_out).reshape(n_out, self.in_channels, patch, patch)
        self.register_buffer("weight", identity)

    @property
    def out_channels(self):
        """Channels of the output: one per pixel of a patch."""
        return self.weight.shape[0]

    @torch.no_grad()
    def init_from_data(self, x):
        """Fit the filters to the patches of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            Training images as the network gets them; only whole patches inside the images
            are used.
        """
        d = self.out_channels
        if x.ndim != 4 or x.shape[1] != self.in_channels or min(x.shape[2:]) < self.patch:
            raise InputError(f"PatchWhitening({self.in_channels}, patch={self.patch}) needs "
                             f"images (n, {self.in_channels}, H, W) of at least the patch "
                             f"size; got shape {tuple(x.shape)}")
        # float64 sums: millions of patches, whose mean is subtracted afterwards
        total = torch.zeros(d, dtype=torch.float64, device=x.device)
        gram = torch.zeros(d, d, dtype=torch.float64, device=x.device)
        per_image = (x.shape[2] - self.patch + 1) * (x.shape[3] - self.patch + 1)
        for chunk in x.split(max(1, _CHUNK_PATCHES // per_image)):
            rows = F.unfold(chunk.float(), self.patch).transpose(1, 2).reshape(-1, d).double()
            total += rows.sum(0)
            gram += rows.T @ rows
        n = len(x) * per_image
        mean = total / n
        cov = gram / n - torch.outer(mean, mean)
        values, vectors = torch.linalg.eigh(cov)
        floor = self.eps * values.clamp_min(0).mean().clamp_min(1e-12)
        filters = vectors.T / torch.sqrt(values.clamp_min(0) + floor)[:, None]
        # the strongest direction first, as in a PCA
        filters = filters.flip(0).reshape(d, self.in_channels, self.patch, self.patch)
        self.weight.copy_(filters.to(self.weight.dtype))

    def forward(self, x):
        """Whiten the patches of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, H, W)
            The batch.

        Returns
        -------
        torch.Tensor of shape (n, in_channels * patch**2, H, W)
            The whitened patches.
        """
        return F.conv2d(x, self.weight.to(x.dtype), padding=self.patch // 2)
