"""``import skimgclf`` is cheap: torch, skorch and matplotlib load on first use (PEP 562)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import skimgclf

HEAVY = ("torch", "skorch", "matplotlib")


def _loaded_after(code):
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; {code}; print(sorted(m for m in {HEAVY!r} "
         "if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


def test_import_skimgclf_loads_no_heavy_library():
    assert _loaded_after("import skimgclf") == "[]"


@pytest.mark.parametrize("module", ["preprocessing", "datasets", "metrics", "plotting",
                                    "report", "inspection"])
def test_light_subpackages_load_no_torch(module):
    assert "torch" not in _loaded_after(f"import skimgclf.{module}")


def test_every_public_name_resolves():
    for name in skimgclf.__all__:
        assert getattr(skimgclf, name) is not None
    assert set(skimgclf.__all__) <= set(dir(skimgclf))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        skimgclf.nope  # noqa: B018
