"""Versions of Python and of the libraries a result depends on (``skimgclf.show_versions()``)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

__all__ = ["library_versions", "show_versions"]

#: Distributions whose versions decide a result, in the order they are printed.
_LIBRARIES = (
    "skimgclf",
    "numpy",
    "scipy",
    "scikit-learn",
    "scikit-image",
    "torch",
    "skorch",
    "matplotlib",
    "joblib",
    "threadpoolctl",
)


def library_versions() -> dict:
    """Read the versions of Python, the platform and the libraries a result depends on.

    Versions are read from the installed distributions' metadata, so no library is imported
    (except to read ``__version__`` of one installed without metadata).

    Returns
    -------
    dict of str to str
        ``"python"``, ``"platform"`` and one entry per library; ``"not installed"`` for an
        absent one.

    See Also
    --------
    show_versions : Print the same information, and the devices torch can use.

    Examples
    --------
    >>> versions = library_versions()
    >>> versions["numpy"] == __import__("numpy").__version__
    True
    >>> list(versions)[:4]
    ['python', 'platform', 'skimgclf', 'numpy']
    """
    versions = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _module_version(name)
    return versions


def show_versions() -> None:
    """Print system and dependency information, to paste into a bug report.

    Like :func:`sklearn.show_versions`: the Python version and executable, the machine, the
    versions of the libraries a result depends on and, when torch is installed, its CUDA build
    and the devices it sees (this imports torch, which takes a few seconds).

    See Also
    --------
    library_versions : The versions as a dict, as :class:`~skimgclf.report.ModelReport` records
        them.

    Examples
    --------
    >>> from skimgclf._versions import show_versions
    >>> show_versions()
    <BLANKLINE>
    System:
        python: ...
    executable: ...
       machine: ...
    <BLANKLINE>
    Python dependencies:
      skimgclf: ...
         numpy: ...
    ...
    """
    versions = library_versions()
    system = {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
    }
    _print_section("System", system)
    _print_section("Python dependencies", {k: versions[k] for k in _LIBRARIES})
    torch_info = _torch_devices()
    if torch_info:
        _print_section("PyTorch devices", torch_info)


def _print_section(title, values):
    width = max(len(k) for k in values)
    print(f"\n{title}:")
    for key, value in values.items():
        print(f"{key:>{width}}: {value}")


def _torch_devices():
    """CUDA build and visible devices, or None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    info = {"CUDA build": torch.version.cuda or "none (CPU build)"}
    available = torch.cuda.is_available()
    info["CUDA available"] = str(available)
    if available:
        for i in range(torch.cuda.device_count()):
            info[f"cuda:{i}"] = torch.cuda.get_device_name(i)
    info["CPU threads"] = str(torch.get_num_threads())
    return info


def _module_version(name):
    try:
        module = __import__(name.replace("scikit-learn", "sklearn").replace("-", "_"))
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))
