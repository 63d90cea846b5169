"""The documentation: every ``>>>`` example of docs/ runs, and the HTML builds without warnings.

Each .rst page is one doctest (its examples share a namespace, top to bottom), run with
ELLIPSIS and NORMALIZE_WHITESPACE under the suite's thread limits (tests/conftest.py). The pages
print nothing that the number of threads changes: one test runs them again at another count and
compares what every example printed. The Sphinx build runs once per session in a subprocess with
``-W --keep-going`` (warnings are errors) on a copy of docs/ and examples/ in a temporary folder,
so the source tree stays clean (the gallery writes its pages into its source folder), and with
``-D plot_gallery=0``: the gallery's pages are built without running the examples, which
tests/test_examples.py runs already.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from skimgclf.nets._registry import _REGISTRY

DOCS = Path(__file__).resolve().parents[1] / "docs"
# What the build generates in docs/ (the gallery's pages and timings) is not a page of ours.
_GENERATED = ("_build", "auto_examples", "sg_execution_times.rst")
PAGES = sorted(p for p in DOCS.rglob("*.rst") if not set(_GENERATED) & set(p.parts))
# Pages that teach by example must have examples (the rest: install, index, API reference).
GUIDE = [p for p in PAGES if p.parent.name == "user_guide" and p.stem != "index"] + [
    DOCS / "quickstart.rst"
]
# Pages whose examples took over ~3 s on 2 busy cores (searches, ensembles, a Dask cluster).
SLOW_PAGES = {
    "quickstart.rst",
    "user_guide/dask.rst",
    "user_guide/model_selection.rst",
    "user_guide/preprocessing.rst",
}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="no docs/ folder")


def _page_id(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def _pages(pages):
    return [
        pytest.param(p, id=_page_id(p), marks=[pytest.mark.slow] * (_page_id(p) in SLOW_PAGES))
        for p in pages
    ]


class _RecordingRunner(doctest.DocTestRunner):
    """A DocTestRunner that also keeps what each example printed, passed or not."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.printed = []

    def _record(self, example, got):
        if example.exc_msg is not None and "Traceback (most recent call last):" in got:
            # An expected exception: its message, not the traceback's file and line numbers.
            got, _, trace = got.partition("Traceback (most recent call last):")
            lines = trace.splitlines()
            indented = [i for i, line in enumerate(lines) if line.startswith(" ")]
            got += "\n".join(lines[indented[-1] + 1 if indented else 1 :])
        self.printed.append((example.lineno + 1, example.source, got))

    def report_success(self, out, test, example, got):
        self._record(example, got)
        super().report_success(out, test, example, got)

    def report_failure(self, out, test, example, got):
        self._record(example, got)
        super().report_failure(out, test, example, got)

    def report_unexpected_exception(self, out, test, example, exc_info):
        self._record(example, "".join(doctest.traceback.format_exception_only(*exc_info[:2])))
        super().report_unexpected_exception(out, test, example, exc_info)


def _run_page(path: Path):
    """Run one page's examples; return (attempted, failed, report text, printed output).

    The printed output is one ``(line, source, output)`` per example.
    """
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, _page_id(path), str(path), 0)
    out = []
    runner = _RecordingRunner(optionflags=FLAGS)
    registered = dict(_REGISTRY)  # a page may register a network; leave the registry as it was
    try:
        runner.run(test, out=out.append)
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(registered)
        test.globs.clear()  # release models and arrays before the next page
    return runner.tries, runner.failures, "".join(out), runner.printed


def _thread_count():
    """The number of torch and of BLAS threads, if they agree (else None)."""
    blas = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    return torch.get_num_threads() if blas == {torch.get_num_threads()} else None


# What each page printed, by (page, thread count): the runs of test_page_examples_run at the
# suite's count, reused by the comparison at another count.
_PRINTED: dict = {}


@pytest.mark.parametrize("page", _pages(PAGES))
def test_page_examples_run(page, monkeypatch, tmp_path):
    if page.stem == "dask":
        pytest.importorskip("distributed", reason="the dask extra is not installed")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # files a page writes land in a temporary folder
    attempted, failed, report, printed = _run_page(page)
    _PRINTED[page, _thread_count()] = printed
    assert failed == 0, f"{failed} of {attempted} examples of {_page_id(page)} failed:\n{report}"
    if page in GUIDE:
        assert attempted > 0, f"{_page_id(page)} is a guide page without a single >>> example"


@contextlib.contextmanager
def _threads(n: int):
    """torch and BLAS at ``n`` threads here, and in the processes started meanwhile."""
    torch_threads = torch.get_num_threads()
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    os.environ.update(dict.fromkeys(saved, str(n)))
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(torch_threads)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# Outputs that differ from run to run whatever the thread count: temporary folders (tempfile's and
# pytest's) and wall-clock times ("fitted in 0.3 s", the "fit time (s)" column of a comparison
# table). Pages print them only behind "..."; the comparison below masks them, and nothing else.
_TEMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"[^\s'\"]*")
_SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")
_TIME_CELL = re.compile(r"\|[^|]*\|\s*$")


def _mask_run_to_run(text: str) -> str:
    lines, timed_table = [], False
    for line in _SECONDS.sub("<seconds> s", _TEMP_PATH.sub("<tmp>", text)).splitlines():
        timed_table = "fit time (s)" in line or (timed_table and line.startswith("|"))
        if timed_table and line.startswith("|") and "fit time (s)" not in line:
            line = _TIME_CELL.sub("| <seconds> |", line)
        lines.append(line)
    return "\n".join(lines)


def _printed_at(page: Path, n: int, folder: Path):
    if (page, n) not in _PRINTED:
        folder.mkdir()
        cwd = os.getcwd()
        os.chdir(folder)  # files a page writes land in a temporary folder
        try:
            with _threads(n):
                _PRINTED[page, n] = _run_page(page)[3]
        finally:
            os.chdir(cwd)
    return [(line, src, _mask_run_to_run(got)) for line, src, got in _PRINTED[page, n]]


@pytest.mark.slow
def test_pages_print_the_same_at_1_and_2_threads(monkeypatch, tmp_path):
    # Thread counts change the order of floating-point sums in BLAS and torch, hence the last
    # digits of every fitted model, as other CPUs and torch versions do: what a page prints must
    # not depend on them. The actual output of each example is compared (with ELLIPSIS, two
    # different outputs could both match the page).
    monkeypatch.setenv("MPLBACKEND", "Agg")
    pages = [p for p in PAGES if ">>>" in p.read_text(encoding="utf-8")]
    if importlib.util.find_spec("distributed") is None:
        pages = [p for p in pages if p.stem != "dask"]
    differ = []
    for page in pages:
        one, two = (_printed_at(page, n, tmp_path / f"{page.stem}-{n}") for n in (1, 2))
        for (line, source, got_1), (_, _, got_2) in zip(one, two, strict=True):
            if got_1 != got_2:
                differ.append(
                    f"{_page_id(page)}:{line}: >>> {source.strip()}\n"
                    f"-- 1 thread:\n{got_1}\n-- 2 threads:\n{got_2}"
                )
    assert not differ, "printed output depends on the thread count:\n" + "\n\n".join(differ)


_CODE_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. (?:code-block|code|sourcecode)::[ \t]*(?P<lang>\S*)[ \t]*$",
    re.MULTILINE,
)


def _directive_body(text: str, match: re.Match) -> str:
    """The indented body of a directive (options included)."""
    indent = len(match.group("indent"))
    body = []
    for line in text[match.end() :].splitlines()[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "\n".join(body)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_python_code_is_doctested(page):
    # Python shown without prompts would never run; it must be written as >>> examples.
    text = page.read_text(encoding="utf-8")
    for match in _CODE_DIRECTIVE.finditer(text):
        lang = match.group("lang").lower()
        if lang in {"", "python", "py", "python3", "pycon", "ipython"}:
            body = _directive_body(text, match)
            line = text[: match.start()].count("\n") + 1
            assert ">>>" in body, (
                f"{_page_id(page)}:{line}: a {lang or 'default'} code block without >>> prompts "
                "is not run by the tests; write it as a doctest (>>> / ...)"
            )


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    """Build the HTML once with warnings as errors, gallery not run; return the output folder."""
    out = tmp_path_factory.mktemp("docs")
    # The sources as in the tree, without what an earlier build generated there.
    shutil.copytree(DOCS, out / "src" / "docs", ignore=shutil.ignore_patterns(*_GENERATED))
    shutil.copytree(DOCS.parent / "examples", out / "src" / "examples")
    # conf.py imports skimgclf from the folder above it: here, from this working tree.
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(DOCS.parent),
                                                       os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-D", "plot_gallery=0"]
    cmd += ["-d", str(out / "doctrees"), str(out / "src" / "docs"), str(out / "html")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, (
        f"sphinx-build failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n"
        f"{proc.stderr[-8000:]}"
    )
    return out / "html"


@pytest.mark.slow
def test_html_builds_without_warnings(html):
    assert (html / "index.html").is_file()
    for page in PAGES:
        built = html / page.relative_to(DOCS).with_suffix(".html")
        assert built.is_file(), f"{_page_id(page)} was not built (missing from every toctree?)"


@pytest.mark.slow
def test_api_reference_documents_every_public_name(html):
    # Each `.. automodule::` of the API page must document every name of that module's __all__.
    source = (DOCS / "api.rst").read_text(encoding="utf-8")
    modules = re.findall(r"^\.\. automodule:: (\S+)", source, re.MULTILINE)
    assert modules, "api.rst documents no module"
    built = (html / "api.html").read_text(encoding="utf-8")
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", []):
            if f'id="{name}.{public}"' not in built:
                missing.append(f"{name}.{public}")
    assert not missing, f"public names without an entry in the API reference: {missing}"


def test_api_reference_covers_the_top_level_names():
    # Names exported by ``skimgclf`` are documented under their module; each must be there.
    import skimgclf

    source = (DOCS / "api.rst").read_text(encoding="utf-8")
    modules = [importlib.import_module(m)
               for m in re.findall(r"^\.\. automodule:: (\S+)", source, re.MULTILINE)]
    documented = {id(getattr(m, name)) for m in modules for name in getattr(m, "__all__", [])}
    for path in re.findall(r"^\.\. autofunction:: (\S+)", source, re.MULTILINE):
        module, name = path.rsplit(".", 1)
        documented.add(id(getattr(importlib.import_module(module), name)))
    missing = [name for name in skimgclf.__all__
               if name != "__version__" and id(getattr(skimgclf, name)) not in documented]
    assert not missing, f"top-level names missing from the API reference: {missing}"


@pytest.mark.slow
def test_gallery_has_a_page_per_example(html):
    # sphinx-gallery makes a page of each examples/plot_*.py (code, output, figures, downloads)
    # and an index of them, which the table of contents reaches.
    scripts = sorted(p.stem for p in (DOCS.parent / "examples").glob("plot_*.py"))
    assert scripts
    missing = [name for name in scripts if not (html / "auto_examples" / f"{name}.html").is_file()]
    assert not missing, f"examples without a gallery page: {missing}"
    index = (html / "auto_examples" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{name}.html"' in index for name in scripts)
    assert 'href="auto_examples/index.html"' in (html / "index.html").read_text(encoding="utf-8")
    # A guide figure drawn by the gallery gives way to its caption when the gallery did not run.
    metrics = (html / "user_guide" / "metrics.html").read_text(encoding="utf-8")
    assert "sphx_glr_plot_dense_vs_conv_001.png" not in metrics
    assert 'href="../auto_examples/plot_dense_vs_conv.html' in metrics
