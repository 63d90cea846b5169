"""Sphinx configuration of the skimgclf documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors;
``make docs``). Every ``>>>`` block of the .rst pages is a doctest run by ``tests/test_docs.py``.

The example gallery (sphinx-gallery) runs every ``examples/plot_*.py`` in its fast mode and shows
its output and figures; ``-D plot_gallery=0`` builds the gallery's pages without running them
(what ``tests/test_docs.py`` does: ``tests/test_examples.py`` runs the examples already).
"""

import os
import re
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
    # Each figure is also saved at twice its resolution (the browser picks it on a high-density
    # screen), and _link_gallery_figures below makes every figure a link to its largest file.
    "image_srcset": ["2x"],
    # Every example names its thumbnail figure (``# sphinx_gallery_thumbnail_number = N``, a
    # comment left out of the rendered code); tests/test_examples.py checks that each has one.
    "remove_config_comments": True,
}

# pydata-sphinx-theme, as scikit-learn uses: a top bar with the sections, the section's pages on
# the left, the page's contents on the right. The gallery's pages drop the right-hand column
# and, like every page, use the full width of the window up to 100rem (docs/_static/custom.css):
# figures are shown at full width, and long lines of code and output scroll inside their box.
html_theme = "pydata_sphinx_theme"
html_title = f"skimgclf {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "logo": {"text": f"skimgclf {version}"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "show_prev_next": True,
    # The page's contents and its source on the right, but not on the gallery's pages (each
    # named: two patterns matching one page is a warning).
    "secondary_sidebar_items": {
        "**": ["page-toc", "sourcelink"],
        "auto_examples/index": [],
        **{f"auto_examples/{script.stem}": []
           for script in (Path(__file__).parent / "../examples").glob("plot_*.py")},
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "install": [], "quickstart": [], "contributing": []}


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


_GALLERY_IMG = re.compile(
    r'<img src="(?P<src>[^"]+)" srcset="(?P<srcset>[^"]*)"(?P<rest>[^>]*'
    r'class = "sphx-glr-(?:single|multi)-img"[^>]*)/>'
)


def _gallery_img_link(match):
    # The largest file of the srcset ("a.png, a_2_00x.png 2.00x"), else the figure itself.
    largest = match["src"]
    for entry in match["srcset"].split(","):
        parts = entry.split()
        if len(parts) == 2:
            largest = parts[0]
    return (f'<a class="sphx-glr-figure-link reference external" href="{largest}" '
            f'title="open the full-size figure">{match[0]}</a>')


def _link_gallery_figures(app, pagename, templatename, context, doctree):
    # sphinx-gallery writes each figure as a bare <img> (its image-sg directive takes no
    # :target:): wrap it in a link to its full-size file, so that a click opens the figure.
    if pagename.startswith("auto_examples/") and "body" in context:
        context["body"] = _GALLERY_IMG.sub(_gallery_img_link, context["body"])


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    app.connect("html-page-context", _link_gallery_figures)
    app.connect("doctree-read", _gallery_figure_or_caption, priority=400)
