"""Sphinx configuration of the skimgclf documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors;
``make docs``). Every ``>>>`` block of the .rst pages is a doctest run by ``tests/test_docs.py``.

The example gallery (sphinx-gallery) runs every ``examples/plot_*.py`` in its fast mode and shows
its output and figures; ``-D plot_gallery=0`` builds the gallery's pages without running them
(what ``tests/test_docs.py`` does: ``tests/test_examples.py`` runs the examples already).
"""

import os
import sys
from pathlib import Path

# Document the working tree, even where skimgclf is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery runs the examples in their fast mode (seconds each), unless told otherwise.
os.environ.setdefault("SKIMGCLF_EXAMPLES_FAST", "1")
# ...in this process, with one torch and BLAS thread unless told otherwise (set before either is
# imported): the fast runs are small, and a second thread mostly spins on a busy machine (see
# tests/conftest.py; the test suite runs the examples at one thread too).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

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
    "sphinx_gallery.gen_gallery",
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
# Docstring validation with the checks of tests/test_docstrings.py: all but RT02, GL01, GL02
# (scikit-learn's choice) and ES01, SA01, EX01 (the test enforces those on classes and
# functions only; this setting cannot tell them from methods).
numpydoc_validation_checks = {"all", "GL01", "GL02", "RT02", "ES01", "SA01", "EX01"}
# NamedTuple fields carry Python's "Alias for field number N"; each class's Parameters
# section documents them.
numpydoc_validation_exclude = {
    r"^skimgclf\.metrics\.ConfusedPair\.(true|predicted|count|rate)$",
    r"^skimgclf\.inspection\.LayerParameters\.(name|kind|shapes|count|trainable)$",
    r"^skimgclf\.inspection\.LayerSummary\.(name|kind|output_shape|count|trainable)$",
}

# Building must not need the network: no intersphinx, plain cross-references.
nitpicky = False

# The gallery: docs/auto_examples/ is generated from examples/ (README.rst is its index). No
# binder, JupyterLite or links to other projects' docs (they need the network); the download
# links of each script and notebook stay (the default). `-D plot_gallery=0` skips running them.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "plot_gallery": "True",
    "download_all_examples": True,
    "binder": {},
    "jupyterlite": {},
    "backreferences_dir": None,
    "doc_module": (),
    # The examples print their results (accuracy tables, epoch logs); nothing else is shown.
    "capture_repr": (),
    "min_reported_time": 1,
}

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


def _gallery_figure_or_caption(app, doctree):
    # Guide pages show figures the gallery draws (/auto_examples/images/sphx_glr_*.png). A build
    # that does not run the gallery (-D plot_gallery=0, as in tests/test_docs.py) has no such
    # files, and a missing image is a warning (an error with -W): there the figure gives way
    # to its caption, which links the example. Runs before Sphinx collects the images.
    from docutils import nodes

    for image in list(doctree.findall(nodes.image)):
        if "auto_examples/images/" not in image["uri"]:
            continue
        relative, path = app.env.relfn2path(image["uri"], app.env.docname)
        # Also a dependency of the page: while missing, the page is read again on each build.
        app.env.note_dependency(relative)
        if os.path.isfile(path):
            continue
        figure = image
        while figure is not None and not isinstance(figure, nodes.figure):
            figure = figure.parent
        if figure is None:  # a bare image (with its link, if any) is dropped
            bare = image.parent if isinstance(image.parent, nodes.reference) else image
            bare.parent.remove(bare)
        else:
            caption = figure.next_node(nodes.caption)
            figure.replace_self(nodes.paragraph("", "", *(caption.children if caption else [])))


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    app.connect("doctree-read", _gallery_figure_or_caption, priority=400)
