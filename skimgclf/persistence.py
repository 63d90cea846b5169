"""Model files that are safe to open: no code from the file runs when it is loaded.

:func:`save_model` writes a fitted (or unfitted) model to one file, and :func:`load_model` reads
it back. The file is a zip archive holding

- ``manifest.json``: the format name and version, and one entry per network;
- ``model.skops``: the scikit-learn side, written with :mod:`skops.io` (a JSON description of the
  objects, arrays in ``.npy``), in which every skorch network is replaced by a small
  :class:`_NetReference` holding its parameters and its fitted attributes other than tensors;
- ``nets/<i>.safetensors`` and ``nets/<i>.history.json``: each network's weights (module,
  criterion and optimizer state) in safetensors, and its training history as JSON.

Loading reads data only: skops builds objects of the types an allow-list names (see
:func:`load_model`) and refuses a file that needs any other, listing them; safetensors holds bare
tensors. Each network is rebuilt from its parameters (``initialize``) on this machine's device,
then its weights and fitted attributes are put back.

A skorch network cannot go to skops as it is: skorch's ``__getstate__`` stores the module, the
criterion and the optimizer as ``torch.save`` bytes (a pickle), and its ``__setstate__`` reads
them with ``torch.load`` and arguments taken from the file. No skorch class is trusted, so a
network anywhere in a model (a Pipeline step, a member of ``VotingClassifier``, the
``best_estimator_`` of a search, a candidate in ``cv_results_``) is always stored as parameters +
tensors.

Files written with pickle or joblib (what ``joblib.dump`` writes, and what older versions of the
command line saved) are refused unless ``trusted_pickle=True``: opening a pickle runs code from
it. Python users may keep using ``joblib.dump``/``joblib.load`` for their own files, as
scikit-learn documents: only for files they trust (they wrote them, or trust who did).
"""

from __future__ import annotations

import copy
import importlib
import json
import numbers
import os
import stat
import sys
import types
import warnings
import zipfile
import zlib
from pathlib import Path

from ._atomic import write_atomically
from ._sklearn_compat import HasMethods, validate_params
from .exceptions import InputError

__all__ = ["FORMAT_VERSION", "UntrustedModelError", "UntrustedPickleError", "load_model",
           "save_model"]

#: The version of the file format :func:`save_model` writes.
#:
#: :func:`load_model` reads this version and the older ones, and refuses files of a newer one
#: (written by a newer skimgclf).
FORMAT_VERSION = 1
_FORMAT_NAME = "skimgclf-model"
_MANIFEST = "manifest.json"
_SKOPS_PART = "model.skops"

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# The first bytes of the files joblib.dump writes compressed (zlib, gzip, bz2, xz, lzma, lz4);
# uncompressed it writes a pickle.
_JOBLIB_COMPRESSED_MAGIC = (b"ZF", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda",
                            b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18")


class UntrustedModelError(InputError):
    """A model file that needs types :func:`load_model` does not trust.

    Nothing of the file was built: the check reads its description only. The message lists
    the types; ``untrusted_types`` holds them. Pass those you vouch for (your own classes or
    functions, after reading what they are) as ``load_model(path, trusted=[...])``.

    Parameters
    ----------
    message : str
        What is refused and how to open it.
    untrusted_types : sequence of str, default=()
        The names of the types the file needs that are not trusted.

    Attributes
    ----------
    untrusted_types : list of str
        The fully qualified names of the types (or functions) the file needs.

    See Also
    --------
    UntrustedPickleError : A pickle or joblib file, refused unless ``trusted_pickle=True``.
    load_model : Reads model files.

    Examples
    --------
    >>> from skimgclf.exceptions import InputError
    >>> from skimgclf.persistence import UntrustedModelError
    >>> issubclass(UntrustedModelError, InputError), issubclass(UntrustedModelError, ValueError)
    (True, True)
    """

    def __init__(self, message, untrusted_types=()):
        super().__init__(message)
        self.untrusted_types = list(untrusted_types)


class UntrustedPickleError(UntrustedModelError):
    """A pickle or joblib model file, refused because opening it would run code from it.

    Raised by :func:`load_model` without ``trusted_pickle=True`` (the command line's
    ``--trust``). Open such a file only if you trust where it comes from; otherwise ask for a
    file written by :func:`save_model`.

    Parameters
    ----------
    message : str
        What is refused and how to open it.
    untrusted_types : sequence of str, default=()
        The names of the types the file needs that are not trusted.

    See Also
    --------
    UntrustedModelError : Its base: a file that needs types that are not trusted.
    load_model : Reads model files.

    Examples
    --------
    >>> from skimgclf.persistence import UntrustedModelError, UntrustedPickleError
    >>> issubclass(UntrustedPickleError, UntrustedModelError)
    True
    """


class _NetReference:
    """Stands in the skops part for a skorch network (whose own state is a pickle).

    ``index`` numbers the network in the manifest; ``params`` are its ``get_params(deep=False)``
    (what ``clone`` would pass to its class); ``attributes`` its fitted attributes other than
    the torch objects (labels, image shape, input statistics, ...); ``optimizers`` the non-tensor
    part of each optimizer's ``state_dict``. Loading only sets these attributes (no
    ``__setstate__``), so the class is safe to trust.
    """

    def __init__(self, index, params, attributes=None, optimizers=None):
        self.index = index
        self.params = params
        self.attributes = attributes
        self.optimizers = optimizers


# ------------------------------------------------------------------------------- saving
@validate_params(
    {"model": [HasMethods(["fit"])], "path": [str, os.PathLike]},
    prefer_skip_nested_validation=True,
)
def save_model(model, path):
    """Write a model to a file that is safe to open (no code runs when it is loaded).

    Any scikit-learn model (fitted or not) of the types :func:`load_model` trusts: Pipelines,
    searches, ensembles of scikit-learn and skimgclf steps, with skorch networks
    (:class:`~skimgclf.neural.CNNClassifier`, :class:`~skimgclf.neural.TorchMLPClassifier`)
    anywhere in them. Attributes set on the model (such as the ``class_names_`` and
    ``fit_time_`` the command line adds) are kept. The file is written atomically: a temporary
    file beside ``path``, flushed to the disk, takes the name when complete, so ``path`` holds
    the previous file or the new one, never part of one.

    Parameters
    ----------
    model : estimator
        The model to save.
    path : str or path-like
        The file to write (replaced if it exists); its folder must exist. By convention
        ``.skimgclf``, but any name works: :func:`load_model` reads the content.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        When ``path`` is a directory, or the model holds objects the format cannot store
        (e.g. a network whose ``module`` parameter is a module instance rather than a class).
    FileNotFoundError
        When the folder of ``path`` does not exist.

    Warns
    -----
    UserWarning
        When the model holds types :func:`load_model` does not trust by default (your own
        classes or functions): the file is written, and reading it will need ``trusted=``.

    See Also
    --------
    load_model : Read the file back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skimgclf.datasets import load_digits_images
    >>> from skimgclf.persistence import load_model, save_model
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = LogisticRegression(max_iter=200).fit(X[:200], y[:200])  # flat rows
    >>> path = save_model(model, pathlib.Path(tempfile.mkdtemp()) / "digits.skimgclf")
    >>> bool((load_model(path).predict(X) == model.predict(X)).all())
    True
    """
    import skops.io as sio

    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name, e.g. {path / 'model.skimgclf'}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    nets = _find_nets(model)
    references, net_entries, parts, net_classes = {}, [], {}, []
    for index, net in enumerate(nets):
        reference, entry, net_parts = _net_to_parts(net, index)
        net_classes.append(entry["class"])
        references[id(net)] = reference
        net_entries.append(entry)
        parts.update(net_parts)
    try:
        # A copy of the model in which each network is its reference (deepcopy takes the
        # memo's object for an id it holds): the model itself is not touched.
        stored = copy.deepcopy(model, dict(references)) if references else model
        skops_bytes = sio.dumps(stored, compression=zipfile.ZIP_DEFLATED)
    except Exception as exc:
        raise InputError(f"cannot save {type(model).__name__} to {path}: it holds an object "
                         f"skops cannot store ({type(exc).__name__}: {exc})") from exc
    untrusted = _untrusted(sio.get_untrusted_types(data=skops_bytes), net_classes, frozenset())
    if untrusted:  # saved all the same: the user may vouch for their own types when loading
        warnings.warn(
            f"{path} will need load_model(path, trusted=[...]) to be read: the model holds "
            f"types that are not trusted by default: {', '.join(untrusted)}", UserWarning,
            stacklevel=3)
    manifest = {
        "format": _FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model_type": _type_name(type(model)),
        "versions": _versions(),
        "nets": net_entries,
    }
    _write_atomic(path, manifest, skops_bytes, parts)
    return path


def _versions():
    from . import __version__

    versions = {"skimgclf": __version__}
    for name in ("sklearn", "skops", "torch", "skorch", "numpy"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", "?")
    return versions


def _write_atomic(path, manifest, skops_bytes, parts):
    """The zip, written whole or not at all (:func:`skimgclf._atomic.write_atomically`)."""

    def write(f):
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(_MANIFEST, json.dumps(manifest, indent=1),
                        compress_type=zipfile.ZIP_DEFLATED)
            # The skops part is itself a compressed zip; weights barely compress.
            zf.writestr(_SKOPS_PART, skops_bytes)
            for name, data in parts.items():
                method = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
                zf.writestr(name, data, compress_type=method)

    write_atomically(path, write)


def _type_name(obj):
    """The name skops gives a type or function: ``module.name``."""
    return f"{obj.__module__}.{obj.__name__}"


_LEAVES = (str, bytes, bytearray, numbers.Number, type, types.FunctionType,
           types.BuiltinFunctionType, types.ModuleType, type(None))


def _find_nets(model):
    """The skorch networks anywhere in ``model``, each once, in a stable order (none without
    skorch imported: no network can exist then)."""
    if "skorch" not in sys.modules:
        return []
    import torch
    from skorch import NeuralNet

    return _find(model, NeuralNet, skip=(torch.Tensor, torch.nn.Module, torch.optim.Optimizer))


def _find(model, kind, skip=()):
    """The objects of type ``kind`` anywhere in ``model``, each once, depth first.

    Walks containers, object arrays (``cv_results_``) and the attributes of objects, not into
    ``kind`` nor the types of ``skip`` (torch modules and tensors)."""
    import numpy as np

    found, seen, stack = [], set(), [model]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _LEAVES):
            continue
        seen.add(id(obj))
        if isinstance(obj, kind):
            found.append(obj)
            continue
        if isinstance(obj, skip):
            continue
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(reversed(obj.ravel().tolist()))
            continue
        if isinstance(obj, dict):
            stack.extend(reversed([v for kv in obj.items() for v in kv]))
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(reversed(list(obj)))
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            stack.extend(reversed(list(state.values())))
    return found


# Attributes of a fitted network that ``initialize`` makes again (the torch objects, the
# callbacks, skorch's bookkeeping) or that are scratch of one process; the history is stored
# as JSON. Every other attribute that is not a parameter is stored as it is.
_REBUILT = frozenset({
    "module_", "criterion_", "optimizer_", "callbacks_", "history_", "virtual_params_",
    "initialized_", "init_context_", "prefixes_", "cuda_dependent_attributes_", "_modules",
    "_criteria", "_optimizers", "_generator_", "_augmenter_", "_params_to_validate",
    "_grad_scaler_", "_ddp_", "_setup_",
})


def _net_to_parts(net, index):
    import torch
    from safetensors.torch import save as save_tensors

    params = net.get_params(deep=False)
    for key, value in params.items():
        if isinstance(value, (torch.nn.Module, torch.Tensor)):
            raise InputError(
                f"cannot save {type(net).__name__}: its parameter {key} is a {type(value).__name__}"
                " instance, which cannot be stored without pickle; pass the class and its "
                f"arguments instead ({key}=MyModule, {key}__arg=...)")
    entry = {"index": index, "class": _type_name(type(net)), "fitted": bool(net.initialized_)}
    if not net.initialized_:
        return _NetReference(index, params), entry, {}
    torch_attrs = [f"{name}_" for name in (*net._modules, *net._criteria)]
    tensors, optimizers = {}, {}
    for attr in torch_attrs:
        for key, value in getattr(net, attr).state_dict().items():
            tensors[f"{attr}/{key}"] = value
    for name in net._optimizers:
        state = getattr(net, f"{name}_").state_dict()
        rest = {}
        for pid, values in state["state"].items():
            rest[pid] = {}
            for key, value in values.items():
                if torch.is_tensor(value):
                    tensors[f"{name}_/state/{pid}/{key}"] = value
                else:
                    rest[pid][key] = value
        optimizers[f"{name}_"] = {"param_groups": state["param_groups"], "state": rest}
    skipped = _REBUILT | set(params) | {f"{name}_" for name in net._optimizers} | set(torch_attrs)
    attributes = {k: v for k, v in vars(net).items() if k not in skipped}
    # safetensors takes contiguous tensors that share no memory (channels_last weights do not
    # count as contiguous; tied weights share it): each gets its own contiguous CPU copy.
    tensors = {k: v.detach().to("cpu", copy=True).contiguous() for k, v in tensors.items()}
    entry.update(tensors=f"nets/{index}.safetensors", history=f"nets/{index}.history.json")
    history = list(net.history_) if net.history_ is not None else []
    parts = {
        entry["tensors"]: save_tensors(tensors),
        entry["history"]: json.dumps(history, default=_json_value).encode(),
    }
    return _NetReference(index, params, attributes, optimizers), entry, parts


def _json_value(value):
    """History values JSON does not know: numpy and torch scalars and arrays."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)  # the history is read by people and reports, not computed with


# ------------------------------------------------------------------------------- loading
@validate_params(
    {"path": [str, os.PathLike], "trusted": [list, tuple, None], "trusted_pickle": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_model(path, *, trusted=None, trusted_pickle=False):
    """Read a model written by :func:`save_model`; no code from the file runs.

    The file's description is checked before anything is built: it may only name the types of
    the allow-list below (and those in ``trusted``); otherwise :class:`UntrustedModelError`
    lists them. The networks are rebuilt on this machine: on the device their ``device``
    parameter names, ``"auto"`` resolving to CUDA when present and to the CPU otherwise (a
    network saved on CUDA with ``device="cuda"`` loads on the CPU of a machine without CUDA,
    with a warning).

    Trusted without asking: builtins, numpy and scipy data, scikit-learn's estimators (what
    skops trusts by default) and its splitters and ``Bunch``; skimgclf's steps, estimators and
    harmless helper functions; skorch's logging, scoring and scheduling callbacks; the
    ``torch.nn`` loss and ``torch.optim`` optimizer / scheduler classes passed as parameters
    (``criterion=torch.nn.CrossEntropyLoss``). A trusted name may be looked up, instantiated
    with arguments from the file, or given its state; so no function or class that acts on the
    outside world is on the list (file readers, ``eval``, ``os``, skorch networks, whose
    ``__setstate__`` unpickles).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model` (a plain ``skops.io.dump`` file is read too), or,
        with ``trusted_pickle=True``, by ``joblib.dump`` or ``pickle``. The content decides,
        not the name.
    trusted : list of str or None, default=None
        More type or function names (``"mypackage.nets.MyNet"``, as the error lists them) you
        vouch for: your own classes, the network classes of your own skorch models. Read what
        they are first: a trusted class may be built with arguments from the file.
    trusted_pickle : bool, default=False
        Read a pickle or joblib file with joblib. Opening a pickle runs code from it: only for
        files you trust.

    Returns
    -------
    estimator
        The model, as it was saved.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    UntrustedModelError
        When the file needs types that are not trusted (listed in the message).
    UntrustedPickleError
        When the file is a pickle or joblib file and ``trusted_pickle`` is False.
    InputError
        When ``path`` is a directory, a damaged or truncated file, not a model file, or a file
        of a newer format version.

    See Also
    --------
    save_model : Write a model file.
    skops.io.get_untrusted_types : The types a skops file needs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skimgclf.datasets import load_digits_images
    >>> from skimgclf.preprocessing import Normalizer, flatten_images
    >>> from skimgclf.persistence import load_model, save_model
    >>> X, y = load_digits_images(return_X_y=True)
    >>> model = make_pipeline(Normalizer(mode="scale"), FunctionTransformer(flatten_images),
    ...                       LogisticRegression(max_iter=200)).fit(X[:200], y[:200])
    >>> model.class_names_ = [str(c) for c in model.classes_]
    >>> path = save_model(model, pathlib.Path(tempfile.mkdtemp()) / "digits.skimgclf")
    >>> loaded = load_model(path)
    >>> bool((loaded.predict(X) == model.predict(X)).all()), loaded.class_names_[:3]
    (True, ['0', '1', '2'])
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except PermissionError:  # a folder on the way that cannot be entered: not "missing"
        raise PermissionError(f"cannot reach the model file {path}: permission denied") \
            from None
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"model file not found: {path}") from None
    except OSError as exc:  # a loop of symbolic links, a name too long
        raise InputError(f"cannot open the model file {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path} is a directory; expected a model file written by save_model")
    if not stat.S_ISREG(mode):  # a FIFO or a device: reading it may block forever
        raise InputError(f"{path} is not a regular file (a pipe or a device); expected a model "
                         "file written by save_model")
    extra = _trusted_names(trusted)
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(-1 if path.stat().st_size else 0, os.SEEK_END)
        tail = f.read(1)
    if head.startswith(_ZIP_MAGIC):
        return _load_zip(path, extra)
    if _looks_like_pickle(head, tail):
        if not trusted_pickle:
            raise UntrustedPickleError(
                f"{path} is a pickle/joblib file: opening it runs code stored in it, so it is "
                "only opened when you trust it (load_model(..., trusted_pickle=True), or "
                "--trust on the command line); only open files you trust, and save models "
                "with save_model to share them")
        return _load_pickle(path)
    raise InputError(f"{path} is not a model file (neither a file written by save_model nor a "
                     f"pickle/joblib file; it starts with {head!r})")


def _trusted_names(trusted):
    names = []
    for item in trusted or ():
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, (type, types.FunctionType, types.BuiltinFunctionType)):
            names.append(_type_name(item))
        else:
            raise InputError(f"trusted must hold type names (str) or types; got {item!r}")
    return frozenset(names)


def _looks_like_pickle(head, tail):
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return True  # pickle protocol 2 to 5 (joblib.dump without compression)
    if head.startswith(_JOBLIB_COMPRESSED_MAGIC):
        return True
    # Protocols 0 and 1 start with an opcode and end with STOP ('.').
    return tail == b"." and head[:1] in b"(]}cKJIFSVNX\x8c"


def _load_pickle(path):
    import joblib

    try:
        model = joblib.load(path)
    except ModuleNotFoundError as exc:
        raise InputError(f"{path} needs the module {exc.name!r}, which is not installed "
                         "here") from exc
    except Exception as exc:  # whatever the unpickler trips on, the file is at fault
        raise InputError(f"{path} is a damaged pickle/joblib file ({type(exc).__name__}: "
                         f"{exc})") from exc
    return _check_model(path, model)


def _check_model(path, model):
    if not hasattr(model, "fit"):
        raise InputError(f"{path} holds a {type(model).__name__}, not a scikit-learn model")
    return model


def _load_zip(path, extra):
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _MANIFEST in names:
                manifest = _read_manifest(path, _read_member(path, zf, _MANIFEST))
                model = _load_skops(path, zf, _read_member(path, zf, _SKOPS_PART),
                                    manifest["nets"], extra)
            elif _first_member(path) in (_MANIFEST, _SKOPS_PART):
                # save_model's file cut short: zipfile found the end of its (stored) skops part
                raise InputError(f"{path} is a truncated model file (its end is missing)")
            elif "schema.json" in names:  # a plain skops.io.dump file: the zip is the skops part
                model = _load_skops(path, zf, path.read_bytes(), None, extra)
            else:
                raise InputError(f"{path} is a zip file but not a model file written by "
                                 f"save_model (it holds no {_MANIFEST})")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(f"{path} is a damaged or truncated model file ({exc})") from exc
    except KeyError as exc:  # a part the manifest names is not in the zip
        raise InputError(f"{path} is an incomplete model file: {exc} is missing") from exc
    return _check_model(path, model)


def _first_member(path):
    """The name in the zip's first local header (the file's first bytes), or None."""
    with open(path, "rb") as f:
        header = f.read(30)
        if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
            return None
        length = int.from_bytes(header[26:28], "little")
        return f.read(length).decode("utf-8", errors="replace")


def _read_member(path, zf, name):
    """The bytes of a part, refused before inflating when it announces more than its kind
    ever needs (a few kilobytes of deflated zeros may announce gigabytes)."""
    size = zf.getinfo(name).file_size  # zipfile reads no further than it
    limit = _MEMBER_LIMITS.get(name.rsplit("/", 1)[-1].rsplit(".", 1)[-1], _MEMBER_LIMITS[""])
    if size > limit:
        raise InputError(f"{path}: its part {name} announces {size:,} bytes, more than such a "
                         f"part holds (at most {limit:,}): a damaged or hostile file")
    return zf.read(name)


# Largest part of each kind: a manifest or a history is text of a few kilobytes per network or
# epoch; tensors and the skops part grow with the model (the largest networks are ~100 MB).
_MEMBER_LIMITS = {"json": 64 * 2**20, "": 16 * 2**30}


def _read_json(path, data, what):
    try:
        return json.loads(data)
    except RecursionError:  # nested deeper than any file save_model writes
        raise InputError(f"{path}: its {what} is nested too deeply to be one written by "
                         "save_model") from None


def _read_manifest(path, data):
    try:
        manifest = _read_json(path, data, _MANIFEST)
        version = manifest["format_version"]
        nets = manifest["nets"]
        ok = (manifest.get("format") == _FORMAT_NAME and type(version) is int and version >= 1
              and isinstance(nets, list))
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise InputError(f"{path} is not a model file written by save_model (its "
                         f"{_MANIFEST} is not one)")
    if version > FORMAT_VERSION:
        raise InputError(
            f"{path} was written in model file format {version} (by skimgclf "
            f"{manifest.get('versions', {}).get('skimgclf', '?')}); this skimgclf reads format "
            f"{FORMAT_VERSION} and older: upgrade skimgclf to read it")
    if not all(isinstance(e, dict) and isinstance(e.get("class"), str)
               and isinstance(e.get("index"), int) for e in nets):
        raise InputError(f"{path} has a damaged {_MANIFEST} (its network entries)")
    return manifest


def _load_skops(path, zf, data, net_entries, extra):
    import skops.io as sio

    try:
        needed = sio.get_untrusted_types(data=data)
    except Exception as exc:  # a damaged description; nothing was built from it
        raise InputError(f"{path} has a damaged model description ({type(exc).__name__}: "
                         f"{exc})") from exc
    untrusted = _untrusted(needed, [entry["class"] for entry in net_entries or ()], extra)
    if untrusted:
        raise UntrustedModelError(
            f"{path} needs types that are not trusted: {', '.join(untrusted)}. Nothing of it "
            "was loaded. If you trust them (read what they are first: they may be built with "
            "arguments from the file), pass them: load_model(path, trusted=[" +
            ", ".join(repr(name) for name in untrusted) + "])", untrusted)
    try:
        # Every name the file needs has just been checked: the list skops gets is ``needed``.
        model = sio.loads(data, trusted=needed)
        model = _put_nets(path, zf, model, net_entries)
    except (InputError, KeyError):
        raise
    except Exception as exc:  # whatever the reader trips on, the file is at fault
        raise InputError(f"{path} is a damaged model file ({type(exc).__name__}: "
                         f"{exc})") from exc
    return model


def _untrusted(needed, net_classes, extra):
    """The names among ``needed`` (the skops part's) and ``net_classes`` not trusted.

    A network class is trusted only as a class this module builds from parameters: in the
    skops part it would be loaded through skorch's ``__setstate__`` (torch.load of a pickle)."""
    return sorted(
        {name for name in needed if name not in extra and not _is_trusted(name)}
        | {name for name in net_classes if name not in extra and name not in _net_classes()}
    )


def _put_nets(path, zf, model, net_entries):
    """The model with each reference replaced by its rebuilt network (see save_model)."""
    entries = {entry["index"]: entry for entry in net_entries or ()}
    nets, memo = {}, {}
    for ref in _find(model, _NetReference):
        if net_entries is None:  # a plain skops file holds no networks of save_model's
            raise InputError(f"{path} refers to a network but has no {_MANIFEST}: a damaged "
                             "file written by save_model")
        if ref.index not in entries:
            raise InputError(f"{path}: network {ref.index!r} is not in its {_MANIFEST}")
        if ref.index not in nets:
            nets[ref.index] = _build_net(path, zf, ref, entries[ref.index])
        memo[id(ref)] = nets[ref.index]
    # deepcopy takes the memo's object for an id it holds: a copy of the model with the nets in
    # their places (tuples included), shared references staying shared.
    return copy.deepcopy(model, memo) if memo else model


def _build_net(path, zf, ref, entry):
    """A network from its class, parameters, fitted attributes and tensors."""
    import numpy as np
    import torch
    from safetensors.torch import load as load_tensors
    from skorch import NeuralNet
    from skorch.history import History

    cls = _import(entry["class"])
    if not (isinstance(cls, type) and issubclass(cls, NeuralNet)):
        raise InputError(f"{path}: {entry['class']} is not a skorch network class")
    if not entry.get("fitted"):
        return cls(**ref.params)
    # The weights are the file's: a source of pretrained weights among the parameters (a path,
    # a URL) is not read while the network is rebuilt, nor reached on the file's say.
    sources = {k: v for k, v in ref.params.items() if k.endswith("__pretrained")}
    net = cls(**{**ref.params, **dict.fromkeys(sources)})
    tensors = load_tensors(_read_member(path, zf, entry["tensors"]))
    history = _read_json(path, _read_member(path, zf, entry["history"]), "history")
    if not isinstance(history, list):
        raise InputError(f"{path}: the history of network {ref.index!r} is not a list of epochs")
    # What initialize makes is made here, not taken from the file.
    attributes = {k: v for k, v in (ref.attributes or {}).items() if k not in _REBUILT}
    ours = "device_" in attributes  # skimgclf's networks resolve device into device_
    if ours:
        attributes["device_"] = _device_here(net.device, path)
    elif _device_here(net.device, path) != str(net.device):
        net.device = "cpu"  # a plain skorch net on CUDA: skorch's own unpickling does the same
    vars(net).update(attributes)
    cuda = range(torch.cuda.device_count())
    numpy_state = np.random.get_state()  # noqa: NPY002 (random_state=None draws from it)
    try:
        with torch.random.fork_rng(devices=cuda):  # initialize seeds torch: not the caller's
            net.initialize()
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
    vars(net).update(attributes)  # the seeds initialize drew again are the saved ones
    vars(net).update(sources)  # the parameters as saved (set_params would re-initialize)
    if hasattr(net, "_resolve_augment"):
        net._augmenter_ = net._resolve_augment()
        net._setup_ = net._setup_params()  # set up with the parameters it was saved with
    for attr in [f"{name}_" for name in (*net._modules, *net._criteria)]:
        prefix = f"{attr}/"
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        getattr(net, attr).load_state_dict(state)
    for attr, saved in (ref.optimizers or {}).items():
        state = {pid: dict(values) for pid, values in saved["state"].items()}
        prefix = f"{attr}/state/"
        for key, value in tensors.items():
            if key.startswith(prefix):
                pid, name = key[len(prefix):].split("/", 1)
                state.setdefault(int(pid), {})[name] = value
        getattr(net, attr).load_state_dict({"state": state,
                                            "param_groups": saved["param_groups"]})
    net.history_ = History(history)
    return net


def _device_here(device, path):
    """Where a network saved with ``device`` runs on this machine."""
    import torch

    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(f"{path}: a network with device={str(device)!r} loads on the CPU: CUDA is "
                      "not available on this machine", UserWarning, stacklevel=5)
        return "cpu"
    return str(resolved)


def _import(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


# ---------------------------------------------------------------------------- the allow-list
# skops trusts by default builtins' containers and primitives, numpy arrays and dtypes, scipy
# sparse matrices and scikit-learn's estimators. Each name added here may be looked up,
# *called with arguments from the file* (skops' ConstructorFromReduceNode) or given a state
# (__new__ then __setstate__ / __dict__): trusted, then, are only classes whose construction
# and state touch nothing outside the object, and functions that compute on their arguments
# and nothing else (no file readers, no eval, no os). Not on it: skorch's networks (their
# __setstate__ runs torch.load on bytes from the file, with arguments from the file); they are
# stored as parameters + safetensors and rebuilt by this module instead.

# (module, public name) of skimgclf's and scikit-learn's objects that need no torch.
_PLAIN = (
    # skimgclf's steps and ensembles: plain parameters and arrays
    ("skimgclf.preprocessing", "BackgroundRemover"),
    ("skimgclf.preprocessing", "ComponentSizeMap"),
    ("skimgclf.preprocessing", "HOGFeatures"),
    ("skimgclf.preprocessing", "LargestDigitExtractor"),
    ("skimgclf.preprocessing", "Normalizer"),
    ("skimgclf.preprocessing", "flatten_images"),  # a reshape; FunctionTransformer of "logreg"
    ("skimgclf.ensemble", "BestOfNClassifier"),
    ("skimgclf.model_selection", "ComparisonSearchCV"),  # GridSearchCV + its family names
    ("skimgclf.persistence", "_NetReference"),
    # scikit-learn's splitters (a search's cv) and Bunch (VotingClassifier.named_estimators_)
    *(("sklearn.model_selection", name) for name in (
        "GroupKFold", "GroupShuffleSplit", "KFold", "LeaveOneGroupOut", "LeaveOneOut",
        "LeavePGroupsOut", "LeavePOut", "PredefinedSplit", "RepeatedKFold",
        "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedGroupKFold", "StratifiedKFold",
        "StratifiedShuffleSplit", "TimeSeriesSplit")),
    ("sklearn.utils", "Bunch"),
    # a search's scorer_: it calls a metric (below) on predictions
    ("sklearn.metrics._scorer", "_Scorer"),
    ("sklearn.metrics._scorer", "_PassthroughScorer"),
    ("sklearn.metrics._scorer", "_MultimetricScorer"),
    # a scorer's metadata routing (kept on it by scikit-learn 1.6): dicts of parameter names
    ("sklearn.utils._metadata_requests", "MetadataRequest"),
    ("sklearn.utils._metadata_requests", "MethodMetadataRequest"),
    # print: the default sink of skorch's PrintLog and EarlyStopping. Called by a hostile file,
    # it writes that file's text to stdout, which the file's class names do anyway.
    ("builtins", "print"),
)
# The functions of sklearn.metrics the scorers call: they compute on arrays, nothing else.
_METRICS = ("accuracy_score", "balanced_accuracy_score", "f1_score", "precision_score",
            "recall_score", "log_loss", "roc_auc_score", "top_k_accuracy_score",
            "matthews_corrcoef", "jaccard_score", "average_precision_score", "brier_score_loss")

# skorch's callbacks that log, score, time, clip and schedule (no file is read or written).
_SKORCH_CALLBACKS = ("BatchScoring", "EarlyStopping", "EpochScoring", "EpochTimer",
                     "GradientNormClipping", "LRScheduler", "PassthroughScoring", "PrintLog",
                     "ProgressBar", "WarmRestartLR")
# skimgclf's objects that need torch.
_TORCH_SIDE = (
    ("skimgclf.neural", "PretrainedFeatures"),  # reads its weights with weights_only=True
    ("skimgclf.augment", "RandomAffine"),
    ("skimgclf.neural._callbacks", "OneCycleLRScheduler"),
    ("skimgclf.neural._callbacks", "encoded_accuracy"),
    ("skimgclf.neural._callbacks", "silent"),  # a sink that does nothing
    ("skimgclf._console", "epoch_log"),  # a sink that prints
)
# The networks this module rebuilds (from parameters, never through skops).
_NETS = (("skimgclf.neural", "CNNClassifier"), ("skimgclf.neural", "TorchMLPClassifier"))

_CACHE = {}


def _names_of(pairs):
    return {_type_name(getattr(importlib.import_module(module), name)) for module, name in pairs}


def _plain_names():
    if "plain" not in _CACHE:
        import sklearn.metrics

        names = _names_of(_PLAIN)
        names |= {_type_name(getattr(sklearn.metrics, name)) for name in _METRICS}
        _CACHE["plain"] = frozenset(names)
    return _CACHE["plain"]


def _torch_names():
    """The torch-side names; computed (importing torch) only for files that need one."""
    if "torch" not in _CACHE:
        import skorch.callbacks
        import torch

        names = _names_of(_TORCH_SIDE)
        names |= {_type_name(getattr(skorch.callbacks, name)) for name in _SKORCH_CALLBACKS}
        # skorch's defaults of a plain NeuralNet (dataset=, train_split=, iterator_*=): data
        # wrappers, built with the data when the net trains or predicts.
        names |= {_type_name(obj) for obj in (skorch.dataset.Dataset, skorch.dataset.ValidSplit,
                                              torch.utils.data.DataLoader)}
        # Classes passed as parameters (criterion=, optimizer=, a scheduler's policy=,
        # activations): built with numbers and the network's parameters, they act on tensors.
        for namespace, base in ((torch.nn, torch.nn.modules.loss._Loss),
                                (torch.optim, torch.optim.Optimizer),
                                (torch.optim.lr_scheduler, torch.optim.lr_scheduler.LRScheduler)):
            names |= {_type_name(obj) for obj in vars(namespace).values()
                      if isinstance(obj, type) and issubclass(obj, base) and obj is not base}
        names |= {_type_name(obj) for obj in vars(torch.nn.modules.activation).values()
                  if isinstance(obj, type) and issubclass(obj, torch.nn.Module)
                  and obj.__module__ == "torch.nn.modules.activation"}
        # skimgclf's architectures (module=skimgclf.nets.LeNet5 and the like): they build layers
        # (and read pretrained weights with weights_only=True).
        from .nets import get_net, list_nets

        names |= {_type_name(get_net(name)) for name in list_nets()
                  if getattr(get_net(name), "__module__", "").startswith("skimgclf.nets")}
        _CACHE["torch"] = frozenset(names)
    return _CACHE["torch"]


def _is_trusted(name):
    return name in _plain_names() or name in _torch_names()


def _net_classes():
    if "nets" not in _CACHE:
        _CACHE["nets"] = frozenset(_names_of(_NETS))
    return _CACHE["nets"]
