"""Export a fitted network, with the preprocessing in front of it, to an ONNX file.

:func:`export_onnx` writes one graph that goes from the raw pixels ``predict`` takes to the class
probabilities, so that a model can run where neither Python nor torch is installed (onnxruntime
in C++, C#, Java, JavaScript, on a phone). Everything between the pixels and the network is in
the graph: the Pipeline's steps that are tensor operations
(:class:`~skimgclf.preprocessing.Normalizer`, :class:`~skimgclf.preprocessing.BackgroundRemover`
with a numeric threshold, scikit-learn's ``StandardScaler``, a ``FunctionTransformer`` of
``flatten_images``) and the network's own input handling (the value-range rule of
``input_scale``, ``normalize``, the channel order, flat rows for an MLP). A step that is not a
tensor operation (HOG, the largest-digit extraction, test-time augmentation, a classifier other
than the package's networks) is refused by name: the graph would not compute what ``predict``
computes.

The graph
    Input ``images``: ``(batch, H, W)`` for grayscale models, ``(batch, H, W, C)`` for colour
    ones (the ``image_shape_`` the model was fitted on; flat ``(batch, d)`` when the pipeline
    starts with a step that takes flat rows only, such as ``StandardScaler``), of dtype uint8
    (``input_dtype="uint8"``, the default: 0-255 pixels) or float32. The batch axis is dynamic.
    Outputs ``probabilities`` (float32, ``(batch, n_classes)``, the rows of ``predict_proba``,
    columns in the order of ``classes_``), ``class_index`` (int64, ``(batch,)``, the column of
    the largest probability) and ``label`` (``(batch,)``, ``classes_[class_index]``: int64,
    double, bool or string, as the labels given to ``fit``). The labels are also in the model's
    metadata (``metadata_props``: ``skimgclf.classes``, a JSON list).

onnx, onnxscript (for the dynamo exporter) and onnxruntime (to run the file) are an extra:
``pip install 'skimgclf[onnx]'``. They and torch are imported when :func:`export_onnx` is called,
not when this module is.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import math
import os
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.exceptions import NotFittedError

from ._atomic import write_atomically
from ._sklearn_compat import HasMethods, Interval, StrOptions, validate_params
from .exceptions import InputError, InputTypeError

__all__ = ["export_onnx"]

#: The name of the graph's input and of its outputs.
INPUT_NAME = "images"
OUTPUT_NAMES = ("probabilities", "class_index", "label")
#: The oldest opset each exporter writes (the dynamo exporter starts at opset 18).
_MIN_OPSET = {"dynamo": 18, "torchscript": 13}
_INSTALL = "pip install 'skimgclf[onnx]'"


class _NotFittedError(InputError, NotFittedError):
    """An unfitted step: refused input, and scikit-learn's ``NotFittedError`` for code that
    catches that."""


@validate_params(
    {
        "model": [HasMethods(["predict"])],
        "path": [str, os.PathLike],
        "opset_version": [Interval(Integral, _MIN_OPSET["torchscript"], None, closed="left"),
                          None],
        "input_dtype": [StrOptions({"uint8", "float32"})],
        "exporter": [StrOptions({"auto", "dynamo", "torchscript"})],
    },
    prefer_skip_nested_validation=True,
)
def export_onnx(model, path, *, opset_version=None, input_dtype="uint8", exporter="auto"):
    """Write a fitted network (alone or at the end of a Pipeline) as one ONNX graph.

    The graph takes the raw images ``predict`` takes and returns the class probabilities, the
    predicted column and the predicted label; every preprocessing step and the network's own
    input conversion are in it (see the module's description of the graph).

    Parameters
    ----------
    model : Pipeline, CNNClassifier or TorchMLPClassifier
        Fitted. A Pipeline's last step must be one of the package's networks, and its other
        steps tensor operations: :class:`~skimgclf.preprocessing.Normalizer` (every mode),
        :class:`~skimgclf.preprocessing.BackgroundRemover` with a numeric threshold,
        ``StandardScaler``, ``FunctionTransformer(flatten_images)``, ``"passthrough"`` and
        nested Pipelines of those. Anything else raises :class:`~skimgclf.exceptions.InputError`
        naming the step.
    path : str or path-like
        The file to write (``.onnx``); replaced when it exists. The weights are stored in it
        (no external data file).
    opset_version : int or None, default=None
        The ONNX opset; None takes the exporter's default. The dynamo exporter needs 18 or
        more (with ``exporter="auto"`` a lower one selects the TorchScript exporter).
    input_dtype : {"uint8", "float32"}, default="uint8"
        The dtype of the graph's input. The graph computes what ``predict`` computes on images
        of this dtype: with the value-range rule of the networks (``input_scale="auto"``),
        uint8 pixels are divided by 255 and float ones are used as they are, so choose the dtype
        of the images the model was trained on. A Normalizer first in the pipeline maps
        0-255 pixels of either dtype the same way.
    exporter : {"auto", "dynamo", "torchscript"}, default="auto"
        ``torch.onnx.export(dynamo=True)`` (torch.export, needs onnxscript and torch 2.5 or
        later) or the TorchScript exporter. ``"auto"`` takes dynamo where it is available and
        ``opset_version`` allows it, and the TorchScript exporter otherwise.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        A step that cannot be exported (named in the message), a model that is not fitted, or
        an ``opset_version`` the chosen exporter cannot write.
    ImportError
        onnx (or onnxscript, for the dynamo exporter) is not installed.

    Warns
    -----
    UserWarning
        The network predicts under bf16 or fp16 autocast here (``precision="bf16"`` or
        ``"fp16"``; the default ``"auto"`` predicts in float32): the graph computes in float32,
        and its probabilities differ from ``predict_proba``'s by up to about 1e-2.

    See Also
    --------
    skimgclf.presets.make_model : The presets; ``cnn``, ``fast`` and ``mlp`` can be exported.
    torch.onnx.export : The exporter used.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skimgclf.datasets import load_digits_images
    >>> from skimgclf.export import export_onnx
    >>> from skimgclf.presets import make_model
    >>> digits = load_digits_images()
    >>> X = (digits.images * 255 / 16).astype(np.uint8)            # (1797, 8, 8) 0-255 pixels
    >>> model = make_model("fast", random_state=0).fit(X[:300], digits.target[:300])
    >>> import os, tempfile
    >>> path = export_onnx(model, os.path.join(tempfile.mkdtemp(), "digits.onnx"))
    >>> session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> [(i.name, i.type, i.shape) for i in session.get_inputs()]
    [('images', 'tensor(uint8)', ['batch', 8, 8])]
    >>> proba, index, label = session.run(None, {"images": X[300:400]})
    >>> proba.shape, bool(np.abs(proba - model.predict_proba(X[300:400])).max() < 1e-4)
    ((100, 10), True)
    >>> bool((label == model.predict(X[300:400])).all())
    True
    """
    onnx = _require("onnx")
    import torch

    chosen = _choose_exporter(exporter, opset_version)
    plan = _plan(model, input_dtype)
    wrapper = _graph_module(plan).eval()
    example = torch.zeros((2, *plan.input_shape), dtype=getattr(torch, input_dtype))
    proto = _export(wrapper, example, chosen, opset_version)
    _add_label_output(onnx, proto, plan.classes)
    proto.doc_string = (f"skimgclf {plan.description}: images -> probabilities, class_index, "
                        "label")
    meta = {
        "skimgclf.classes": json.dumps(_json_labels(plan.classes)),
        "skimgclf.steps": json.dumps(plan.steps),
        "skimgclf.input": json.dumps({"name": INPUT_NAME, "dtype": input_dtype,
                                      "shape": ["batch", *plan.input_shape]}),
        "skimgclf.exporter": chosen,
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    return _write(onnx, proto, Path(path))


# ----------------------------------------------------------------------------- dependencies
def _require(name):
    """The module ``name``, or an ImportError that says how to install the extra."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"exporting to ONNX needs the {name} package, which is not installed: "
            f"{_INSTALL}"
        ) from exc


def _dynamo_available() -> bool:
    import importlib.util
    import inspect

    import torch

    if importlib.util.find_spec("onnxscript") is None:
        return False
    return "dynamo" in inspect.signature(torch.onnx.export).parameters


def _choose_exporter(exporter, opset_version):
    if exporter == "auto":
        low = opset_version is not None and opset_version < _MIN_OPSET["dynamo"]
        return "torchscript" if low or not _dynamo_available() else "dynamo"
    if exporter == "dynamo":
        _require("onnxscript")
        if not _dynamo_available():
            import torch

            raise InputError(f"exporter='dynamo' needs torch 2.5 or later (torch "
                             f"{torch.__version__} is installed); use exporter='torchscript'")
    if opset_version is not None and opset_version < _MIN_OPSET[exporter]:
        raise InputError(f"the {exporter} exporter writes opset {_MIN_OPSET[exporter]} or later; "
                         f"got opset_version={opset_version}")
    return exporter


# ----------------------------------------------------------------------------- the plan
class _Plan:
    """What the graph computes, read from the fitted steps (numbers only, no estimator)."""

    def __init__(self):
        self.ops = []  # ("affine", offset, factor) | ("threshold", value, fill) on flat rows
        self.steps = []  # "name=Class" of each step, for the metadata
        self.input_shape = None  # the graph's input shape after the batch axis
        self.net = None
        self.net_shape = None  # (H, W, C) the network's input conversion reads
        self.net_offset = self.net_factor = None
        self.classes = None
        self.description = ""


def _plan(model, input_dtype):
    from sklearn.pipeline import Pipeline

    from .neural._base import _NeuralImageClassifier

    steps = _flat_steps(model) if isinstance(model, Pipeline) else [("model", model)]
    if not steps:
        raise InputError("the Pipeline has no step to export")
    *pre, (net_name, net) = steps
    if not isinstance(net, _NeuralImageClassifier):
        raise InputError(
            f"the step {net_name!r} ({type(net).__name__}) cannot be exported to ONNX: only the "
            "package's networks (CNNClassifier, TorchMLPClassifier) are, at the end of a "
            "Pipeline or alone; export such a model, or use a converter for scikit-learn "
            "estimators (sklearn-onnx)"
        )
    # what cannot be exported is said first: fitting such a model would not help
    for name, step in pre:
        _check_supported(name, step)
    _check_tta(net_name, net)
    _warn_reduced_precision(net_name, net)
    plan = _Plan()
    plan.steps = [f"{name}={type(step).__name__}" for name, step in steps]
    plan.description = " -> ".join(plan.steps)
    _check_fitted(net_name, net, "label_encoder_", "module_")
    width = math.prod(net.image_shape_)
    plan.input_shape = _input_shape(pre, net)
    if plan.input_shape is not None and math.prod(plan.input_shape) != width:
        raise InputError(
            f"the first step takes images of shape {plan.input_shape} and the network "
            f"{tuple(net.image_shape_)}: every exported step keeps the number of values per "
            "image, so the pipeline was fitted on data of another size; refit it"
        )
    kind = "u" if input_dtype == "uint8" else "f"
    for name, step in pre:
        kind = _add_step(plan, name, step, kind, width)
    _add_network(plan, net, kind)
    return plan


def _flat_steps(pipeline, prefix=""):
    """The (name, estimator) steps of a Pipeline, nested ones unrolled, passthrough dropped."""
    from sklearn.pipeline import Pipeline

    out = []
    for name, step in pipeline.steps:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if isinstance(step, Pipeline):
            out.extend(_flat_steps(step, f"{prefix}{name}__"))
        else:
            out.append((f"{prefix}{name}", step))
    return out


def _check_fitted(name, step, *attributes):
    if not all(hasattr(step, a) for a in attributes):
        raise _NotFittedError(
            f"the step {name!r} ({type(step).__name__}) is not fitted: fit the model before "
            "exporting it to ONNX"
        )


def _input_shape(pre, net):
    """The graph's input shape after the batch axis: what the first step was fitted on."""
    from sklearn.preprocessing import StandardScaler

    for _, step in pre:
        if isinstance(step, StandardScaler):
            return (int(step.n_features_in_),) if hasattr(step, "n_features_in_") else None
        if hasattr(step, "image_shape_"):
            return _layout(step.image_shape_)
    return _layout(net.image_shape_)


def _layout(image_shape):
    h, w, c = (int(s) for s in image_shape)
    return (h, w) if c == 1 else (h, w, c)


def _refuse(name, step, why, fix):
    raise InputError(f"the step {name!r} ({type(step).__name__}) cannot be exported to ONNX: "
                     f"{why}; {fix}")


def _check_supported(name, step):
    """Refuse, naming it, a step the graph cannot compute."""
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from .preprocessing import (
        BackgroundRemover,
        ComponentSizeMap,
        HOGFeatures,
        LargestDigitExtractor,
        Normalizer,
        flatten_images,
    )

    without = "export a pipeline without it, or apply it before the exported model"
    if isinstance(step, (Normalizer, StandardScaler)):
        return
    if isinstance(step, BackgroundRemover):
        if isinstance(step.threshold, str):
            _refuse(name, step, f"threshold={step.threshold!r} computes one threshold per image "
                    "(a histogram), not a tensor operation", "use a numeric threshold, or "
                    + without)
        return
    if isinstance(step, FunctionTransformer):
        if step.func is None or (step.func is flatten_images and not step.kw_args):
            return
        _refuse(name, step, f"its function {getattr(step.func, '__name__', step.func)!r} is "
                "not known to be a tensor operation (only flatten_images is)", without)
    if isinstance(step, HOGFeatures):
        _refuse(name, step, "histograms of oriented gradients are not a tensor operation the "
                "exporter writes", "train a network on the pixels (the 'cnn' or 'fast' preset), "
                "or compute the features before the exported model")
    if isinstance(step, LargestDigitExtractor):
        _refuse(name, step, "finding connected components and cropping them is not a tensor "
                "operation", "extract the digits before the exported model and export a "
                "pipeline that starts after this step (e.g. model[2:])")
    if isinstance(step, ComponentSizeMap):
        _refuse(name, step, "labelling connected components and measuring them is not a "
                "tensor operation", "compute the size channels before the exported model and "
                "export a pipeline that starts after this step (e.g. model[2:])")
    _refuse(name, step, "it is not one of the steps the exporter knows (Normalizer, "
            "BackgroundRemover with a numeric threshold, StandardScaler, "
            "FunctionTransformer(flatten_images))", without)


def _add_step(plan, name, step, kind, width):
    """Add the operations of one supported step; return the pixel kind after it."""
    from sklearn.preprocessing import StandardScaler

    from .preprocessing import BackgroundRemover, Normalizer

    if isinstance(step, Normalizer):
        _check_fitted(name, step, "mean_", "std_")
        mean = np.asarray(step.mean_, dtype=np.float64)
        std = np.asarray(step.std_, dtype=np.float64)
        # normalize_images: (x - mean) times 1/std computed in float64, both then float32
        plan.ops.append(("affine", _per_value(name, step, mean, width),
                         _per_value(name, step, 1.0 / std, width)))
        return "f"
    if isinstance(step, StandardScaler):
        _check_fitted(name, step, "n_features_in_")
        if step.n_features_in_ != width:
            _refuse(name, step, f"it takes {step.n_features_in_} values per image, the network "
                    f"{width}", "refit the pipeline")
        mean = step.mean_ if step.with_mean else None
        scale = step.scale_ if step.with_std else None
        plan.ops.append(("affine",
                         np.zeros(1) if mean is None else np.asarray(mean, dtype=np.float64),
                         np.ones(1) if scale is None else 1.0 / np.asarray(scale, np.float64)))
        return "f"
    if isinstance(step, BackgroundRemover):
        threshold = float(step.threshold)
        if kind == "u":
            # integer pixels: x >= t exactly when x >= ceil(t), a comparison float32 makes
            # exactly (t itself may not be a float32 value)
            threshold = float(math.ceil(threshold))
        plan.ops.append(("threshold", threshold, float(step.fill)))
        return kind
    return kind  # flatten_images or the identity: flat rows in (H, W, C), the graph's order


def _per_value(name, step, values, width):
    """Normalizer statistics (scalar, per channel or per pixel) as one value per flat value."""
    if values.ndim == 0:
        return values.reshape(1)
    channels = int(step.image_shape_[2])
    flat = values.reshape(-1)
    if values.shape == (channels,) and width % channels == 0:
        return np.tile(flat, width // channels)  # (H, W, C) order: the channel varies fastest
    if flat.size == width:
        return flat
    _refuse(name, step, f"its statistics have shape {values.shape}, which does not match the "
            f"{width} values per image of the network", "refit the pipeline")


def _check_tta(name, net):
    from .neural._tta import tta_views

    if len(tta_views(net.tta)) > 1:
        _refuse(name, net, f"test-time augmentation (tta={net.tta!r}) averages several views of "
                "each image", "set tta=None on it before exporting (the graph then computes "
                "what predict computes without test-time augmentation)")


def _warn_reduced_precision(name, net):
    from .neural._device import autocast_device

    device = getattr(net, "device_", None) or "cpu"
    if autocast_device(net.precision, device, training=False) is not None:
        warnings.warn(
            f"the step {name!r} predicts under {net.precision!r} autocast here (bfloat16 or "
            "float16 matrix products), and the ONNX graph computes in float32: their "
            "probabilities differ by up to about 1e-2, and the class of a near tie can differ; "
            "with precision='fp32' set on it (set_params) it predicts in float32, as the graph "
            "does",
            UserWarning, stacklevel=4)


def _add_network(plan, net, kind):
    # the pixel units of the fit, whatever input_scale says now (it applies at the next fit)
    fitted = "input_range_" in vars(net)
    auto = net._auto_scale_ if fitted else net.input_scale == "auto"
    if auto:
        # the value-range rule (neural._input.input_scale): integers are 0-255, floats as given
        scale = np.float32(1 / 255 if kind == "u" else 1.0)
    else:
        scale = np.float32(net.input_scale_ if fitted else net.input_scale)
    # as DataMixin._input_transform: (x - mean / scale) * (scale / std), in float32
    mean = getattr(net, "input_mean_", 0.0)
    std = getattr(net, "input_std_", 1.0)
    plan.net_offset = np.asarray(mean / scale, dtype=np.float32)
    plan.net_factor = np.asarray(scale / std, dtype=np.float32)
    plan.net_shape = tuple(int(s) for s in net.image_shape_)
    plan.net = net
    plan.classes = np.asarray(net.classes_)


# ----------------------------------------------------------------------------- the graph
def _graph_module_class():
    import torch
    from torch import nn

    class GraphModule(nn.Module):
        """Raw images -> (probabilities, class index): the plan as torch operations."""

        def __init__(self, plan):
            super().__init__()
            net = plan.net
            self.ops = []
            for i, (op, a, b) in enumerate(plan.ops):
                if op == "affine":
                    self.register_buffer(f"offset{i}", torch.as_tensor(a, dtype=torch.float32))
                    self.register_buffer(f"factor{i}", torch.as_tensor(b, dtype=torch.float32))
                    self.ops.append((op, f"offset{i}", f"factor{i}"))
                else:
                    self.ops.append((op, a, b))
            self.register_buffer("net_offset", torch.as_tensor(plan.net_offset))
            self.register_buffer("net_factor", torch.as_tensor(plan.net_factor))
            # a zero offset or a unit factor is left out of the graph (it changes nothing)
            self.shifts = bool(np.any(plan.net_offset))
            self.scales = bool(np.any(plan.net_factor != 1))
            self.net_shape = plan.net_shape
            self.flat = net._flat_batches
            # a copy in float32 on the CPU: exporting changes nothing in the fitted model
            self.module = copy.deepcopy(net.module_).to(
                "cpu", dtype=torch.float32, memory_format=torch.contiguous_format).eval()
            self.nonlin = net._get_predict_nonlinearity()

        def forward(self, images):
            x = images.to(torch.float32).flatten(1)  # (H, W, C) order, as flatten_images
            for op, a, b in self.ops:
                if op == "affine":
                    x = (x - getattr(self, a)) * getattr(self, b)
                else:
                    x = torch.where(x >= a, x, torch.full_like(x, b))
            h, w, c = self.net_shape
            x = x.reshape(-1, h, w, c)
            if self.shifts:
                x = x - self.net_offset
            if self.scales:
                x = x * self.net_factor
            x = x.flatten(1) if self.flat else x.permute(0, 3, 1, 2)
            out = self.module(x)
            if isinstance(out, (tuple, list)):
                out = out[0]  # skorch's rule: the first output is the prediction
            proba = self.nonlin(out).to(torch.float32)
            return proba, proba.argmax(dim=1)

    return GraphModule


def _graph_module(plan):
    """The torch module of the graph (its class is defined once torch is imported)."""
    return _graph_module_class()(plan)


def _export(wrapper, example, exporter, opset_version):
    """The ONNX ModelProto of ``wrapper`` with a dynamic batch axis, in ``opset_version``."""
    import onnx

    highest = onnx.defs.onnx_opset_version()
    if opset_version is not None and opset_version > highest:
        raise InputError(f"opset_version={opset_version} is newer than the newest opset onnx "
                         f"{onnx.__version__} knows ({highest})")
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    # the exporters' notes on their own internals (deprecations, fallbacks, "torchvision is not
    # installed", the traceback of a version conversion that failed) are not the user's to act
    # on: what matters is checked below
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if exporter == "dynamo":
                proto = _export_dynamo(wrapper, example, opset_version)
            else:
                proto = onnx.load_from_string(_export_torchscript(wrapper, example,
                                                                  opset_version))
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    written = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset_version is not None and written != opset_version:
        # the dynamo exporter converts to the opset asked for, and keeps its own on failure
        raise InputError(f"the {exporter} exporter could not write opset {opset_version} (it "
                         f"wrote opset {written}); choose another opset_version, or None")
    return proto


def _export_dynamo(wrapper, example, opset_version):
    import torch

    program = torch.onnx.export(
        wrapper, (example,), dynamo=True, input_names=[INPUT_NAME],
        output_names=list(OUTPUT_NAMES[:2]), opset_version=opset_version,
        dynamic_shapes={INPUT_NAME: {0: torch.export.Dim("batch")}}, external_data=False,
        verbose=False, optimize=True)
    proto = program.model_proto
    for node in proto.graph.node:
        # the exporter's debugging notes (the stack trace of each node, with the paths of this
        # machine, its FX node): not needed to run the graph, and a sixth of the file
        del node.metadata_props[:]
    return proto


def _export_torchscript(wrapper, example, opset_version) -> bytes:
    import torch

    outputs = list(OUTPUT_NAMES[:2])
    buffer = io.BytesIO()
    kwargs = {"dynamo": False} if "dynamo" in _export_parameters() else {}
    torch.onnx.export(
        wrapper, (example,), buffer, input_names=[INPUT_NAME], output_names=outputs,
        opset_version=opset_version,
        dynamic_axes={INPUT_NAME: {0: "batch"}, **{o: {0: "batch"} for o in outputs}},
        do_constant_folding=True, **kwargs)
    return buffer.getvalue()


def _export_parameters():
    import inspect

    import torch

    return inspect.signature(torch.onnx.export).parameters


def _label_tensor(onnx, classes):
    """The labels as an ONNX tensor (int64, double, bool or string), or None."""
    from onnx import TensorProto, helper

    kind = classes.dtype.kind
    if kind in "iu":
        return helper.make_tensor("classes", TensorProto.INT64, [len(classes)],
                                  classes.astype(np.int64).tolist())
    if kind == "f":
        return helper.make_tensor("classes", TensorProto.DOUBLE, [len(classes)],
                                  classes.astype(np.float64).tolist())
    if kind == "b":
        return helper.make_tensor("classes", TensorProto.BOOL, [len(classes)],
                                  classes.tolist())
    if kind in "US" or (kind == "O" and all(isinstance(c, (str, bytes)) for c in classes)):
        values = [c if isinstance(c, bytes) else str(c).encode("utf-8") for c in classes]
        return helper.make_tensor("classes", TensorProto.STRING, [len(classes)], values)
    return None


def _add_label_output(onnx, proto, classes):
    """``label = classes[class_index]``: a Gather on the labels stored in the graph."""
    from onnx import helper

    tensor = _label_tensor(onnx, classes)
    if tensor is None:
        return  # labels of mixed types: class_index and the metadata only
    graph = proto.graph
    name = "skimgclf_classes"
    graph.node.append(helper.make_node("Constant", [], [name], value=tensor))
    graph.node.append(helper.make_node("Gather", [name, OUTPUT_NAMES[1]], [OUTPUT_NAMES[2]],
                                       axis=0))
    graph.output.append(helper.make_tensor_value_info(OUTPUT_NAMES[2], tensor.data_type,
                                                      ["batch"]))


def _json_labels(classes):
    return [c.item() if isinstance(c, np.generic) else
            (c if isinstance(c, (str, int, float, bool)) else str(c)) for c in classes]


def _write(onnx, proto, path):
    """Write the file atomically: a reader never sees half of it."""
    if path.is_dir():
        raise InputTypeError(f"path {str(path)!r} is a folder; give a file name such as "
                             "model.onnx")
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, lambda f: f.write(proto.SerializeToString()))
