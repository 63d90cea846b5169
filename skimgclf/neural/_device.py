"""Where the networks run and in what precision: the ``device`` parameter, read per thread.

``device="auto"`` resolves to CUDA when present (``device_``). skorch reads ``self.device``
wherever it places a tensor; during a call of the estimator the calling thread sees the resolved
device, and everyone else the parameter as set (so predict changes no parameter and concurrent
calls do not race). Mixed precision (``precision``): autocast on CUDA, and for bf16 on a CPU
that computes it natively; a loss scaler for fp16. ``"auto"`` (the default) autocasts training
only: that is where bf16 pays (a fit is many times the cost of a prediction), and float32
predictions agree from machine to machine up to float32 rounding, and with an ONNX export.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager, nullcontext

import torch
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

from .._sklearn_compat import (
    validate_params,
)
from ..exceptions import InputError

# precision -> the dtype of torch.autocast (None: float32 throughout); "auto" is bf16 for
# training where the hardware computes it natively, and float32 otherwise, without a warning
AUTOCAST_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16,
                   "auto": torch.bfloat16}


@functools.cache  # asked at every forward pass; the CPU does not change
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX): there, autocast to
    bf16 halves the time of a training step of the default CNN (61 -> 31 ms at batch 128 on 2
    cores of a Xeon with AMX); elsewhere it is emulated, and slower than float32."""
    checks = [getattr(torch.cpu, name, None)
              for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return any(check() for check in checks if check is not None)
    except RuntimeError:  # a torch built without the CPU feature queries
        return False


def _cuda_has_bf16() -> bool:
    try:  # emulated bf16 on older GPUs is slower than float32
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # torch < 2.3 has no such argument and does not count emulation
        return torch.cuda.is_bf16_supported()


def autocast_device(precision, device, training=True):
    """The device type ``torch.autocast`` runs on for ``precision`` on ``device``, or None
    (float32): CUDA for bf16 and fp16, the CPU for bf16 where it is native; ``"auto"`` only
    in training (``training=True``) and where bf16 is native (a CPU with it, a CUDA device of
    compute capability 8 or more)."""
    kind = torch.device(device).type
    if AUTOCAST_DTYPES[precision] is None or (precision == "auto" and not training):
        return None
    if precision == "auto" and kind == "cuda":
        return kind if _cuda_has_bf16() else None
    if kind == "cuda" or (kind == "cpu" and precision in ("bf16", "auto") and cpu_has_bf16()):
        return kind
    return None


_THREAD_STATE = threading.local()


def _active_devices() -> dict:
    """This thread's ``id(estimator) -> device`` of the calls in progress (see ``device``)."""
    devices = getattr(_THREAD_STATE, "devices", None)
    if devices is None:
        devices = _THREAD_STATE.devices = {}
    return devices


@validate_params({"device": [str, torch.device, None]}, prefer_skip_nested_validation=True)
def resolve_device(device) -> str:
    """``"auto"`` -> CUDA when available, else CPU; a CUDA request without CUDA is an error.

    The estimators resolve their ``device`` parameter with it at ``fit`` (into ``device_``), so
    that ``device="auto"`` runs on whatever the machine has, and an impossible request fails
    at once with a message saying what to pass instead.

    Parameters
    ----------
    device : str, torch.device or None
        ``"auto"`` (or None), or any torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).

    Returns
    -------
    str
        The device, as ``str(torch.device(...))``.

    Raises
    ------
    ValueError
        When ``device`` is not a torch device, or names CUDA on a machine without it.

    See Also
    --------
    CNNClassifier : Its ``device`` parameter is resolved by this function.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.neural import resolve_device
    >>> resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    True
    >>> resolve_device("cpu")
    'cpu'
    """
    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(
            f"device={device!r} was requested but CUDA is not available on this machine "
            "(torch.cuda.is_available() is False); use device='auto' (CUDA when present, "
            "otherwise CPU) or device='cpu'"
        )
    return str(resolved)


class DeviceMixin:
    """The ``device`` parameter, read per thread, and mixed precision (see the module)."""

    # skorch reads ``self.device`` wherever it places a tensor. During a call of this estimator
    # (fit, predict, ...) the calling thread sees the resolved ``device_`` ("auto" -> "cpu" or
    # "cuda"); every other reader -- get_params, clone, pickle, another thread's call -- sees the
    # parameter as the user set it. A per-thread view, not a swap of the attribute: a swap would
    # make a prediction change a parameter, and concurrent predictions race on it.
    @property
    def device(self):
        """The ``device`` parameter (or, inside this thread's call, the resolved device)."""
        active = _active_devices().get(id(self))
        return self.__dict__.get("device", "auto") if active is None else active

    @device.setter
    def device(self, value):
        devices = _active_devices()
        if id(self) in devices:  # skorch moving the net during a call (load_params on a
            devices[id(self)] = value  # machine without CUDA): the call's device, not the param
        else:
            self.__dict__["device"] = value

    @contextmanager
    def _on_device(self):
        devices, key = _active_devices(), id(self)
        outer = devices.get(key)
        devices[key] = outer if outer is not None else self.device_
        try:
            yield
        finally:
            final = str(devices.pop(key))
            if outer is not None:
                devices[key] = outer
            if final != self.device_:  # skorch moved the net (never during a prediction)
                self.device_ = final

    def _autocast(self):
        """``torch.autocast`` of the ``precision`` setting where it runs (see
        :func:`autocast_device`; the module's mode tells training from prediction); nothing
        elsewhere."""
        precision = getattr(self, "precision", "fp32")
        kind = autocast_device(precision, self.device_, training=self.module_.training)
        if kind is None:
            return nullcontext()
        return torch.autocast(kind, dtype=AUTOCAST_DTYPES[precision])

    def _grad_scaler(self):
        """The fp16 loss scaler (made on first use, never pickled: it holds CUDA state)."""
        if self.precision != "fp16" or torch.device(self.device_).type != "cuda":
            return None
        if getattr(self, "_grad_scaler_", None) is None:
            self._grad_scaler_ = torch.amp.GradScaler("cuda")
        return self._grad_scaler_

    def train_step_single(self, batch, **fit_params):
        scaler = self._grad_scaler()
        if scaler is None:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def _train_step(self, batch, **fit_params):
        scaler = self._grad_scaler()
        if scaler is None:
            return super().train_step(batch, **fit_params)
        # GradScaler.step takes no closure: one forward/backward, unscaled gradients for the
        # callbacks (gradient clipping sees true values), then a step skipped on inf/NaN.
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        for optimizer in optimizers:
            scaler.unscale_(optimizer)
        self.notify("on_grad_computed",
                    named_parameters=TeeGenerator(self.get_all_learnable_params()),
                    batch=batch, training=True)
        for optimizer in optimizers:
            scaler.step(optimizer)
        scaler.update()
        return step
