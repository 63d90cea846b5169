"""Sphinx configuration of the skimgclf documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors).
Every ``>>>`` block of the .rst pages is a doctest run by ``tests/test_docs.py``.
"""

import os
import sys
from pathlib import Path

# Document the working tree, even where skimgclf is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MPLBACKEND", "Agg")

import skimgclf  # noqa: E402

project = "skimgclf"
author = "the skimgclf developers"
copyright = "the skimgclf developers, BSD-3-Clause"  # noqa: A001
release = skimgclf.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

exclude_patterns = ["_build"]
templates_path = []
root_doc = "index"
language = "en"

# The API pages are written with autodoc directives on the modules' __all__; autosummary only
# draws the overview tables, so no stub files are generated into the source tree.
autosummary_generate = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
# numpydoc lists methods and attributes itself; autodoc's members already document them.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# Building must not need the network: no intersphinx, plain cross-references.
nitpicky = False

html_theme = "alabaster"
html_title = f"skimgclf {release}"
html_static_path = []
html_theme_options = {
    "description": "scikit-learn compatible image classification",
    "fixed_sidebar": True,
}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn generates set_fit_request, set_score_request, ... on every estimator class;
    # they are scikit-learn's metadata routing API, documented there, not skimgclf's.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
