"""scikit-learn's private API is reached through one module, and the release is in the tested range.

``skimgclf/_sklearn_compat.py`` is the only file that may import a private scikit-learn name
(a module or a name starting with ``_``); CI runs the suite at both ends of the range that
pyproject.toml declares (``make test`` on the newest, ``make test-compat`` on the oldest).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sklearn

from skimgclf._sklearn_compat import SKLEARN_VERSION

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "skimgclf" / "_sklearn_compat.py"
SOURCES = [p for folder in ("skimgclf", "tests", "examples", "benchmarks")
           for p in sorted((ROOT / folder).rglob("*.py")) if p != COMPAT]


def _private_sklearn_imports(path: Path):
    """``module.name`` of every private scikit-learn import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
            modules_private = any(part.startswith("_") for part in node.module.split("."))
            found += [f"{node.module}.{a.name}" for a in node.names
                      if modules_private or a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("sklearn")
                      and any(part.startswith("_") for part in a.name.split("."))]
    return found


def test_only_the_compat_module_imports_private_sklearn_names():
    offenders = {str(p.relative_to(ROOT)): names for p in SOURCES
                 if (names := _private_sklearn_imports(p))}
    assert not offenders, (
        "private scikit-learn names imported outside skimgclf/_sklearn_compat.py (import them "
        f"from there, adding them to it if needed): {offenders}"
    )


def test_installed_release_is_in_the_declared_range():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    low, high = re.search(r'"scikit-learn>=([\d.]+),<([\d.]+)"', text).groups()

    def as_tuple(version):
        return tuple(int(p) for p in re.findall(r"\d+", version)[:3])

    installed = as_tuple(sklearn.__version__)
    assert as_tuple(low) <= installed < as_tuple(high), (
        f"scikit-learn {sklearn.__version__} is outside the tested range >={low},<{high}")
    assert SKLEARN_VERSION == installed[:2]
