"""The documentation: every ``>>>`` example of docs/ runs, and the HTML builds without warnings.

Each .rst page is one doctest (its examples share a namespace, top to bottom), run with
ELLIPSIS and NORMALIZE_WHITESPACE. The Sphinx build runs once per session in a subprocess with
``-W --keep-going`` (warnings are errors) into a temporary folder, so the source tree stays clean.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_limits

from skimgclf.nets._registry import _REGISTRY

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts)
# Pages that teach by example must have examples (the rest: install, index, API reference).
GUIDE = [p for p in PAGES if p.parent.name == "user_guide" and p.stem != "index"] + [
    DOCS / "quickstart.rst"
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="no docs/ folder")


def _page_id(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def _run_page(path: Path):
    """Run one page's examples; return (attempted, failed, report text)."""
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, _page_id(path), str(path), 0)
    out = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    torch_threads = torch.get_num_threads()
    registered = dict(_REGISTRY)  # a page may register a network; leave the registry as it was
    try:
        # One BLAS and one torch thread: on a busy 2-core machine, threads that spin while they
        # wait for a core made a small LogisticRegression fit 20x and a small CNN fit 10x
        # slower. It also fixes the printed results, which depend on the thread count.
        torch.set_num_threads(1)
        with threadpool_limits(limits=1, user_api="blas"):
            runner.run(test, out=out.append)
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(registered)
        torch.set_num_threads(torch_threads)
        test.globs.clear()  # release models and arrays before the next page
    return runner.tries, runner.failures, "".join(out)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples_run(page, monkeypatch, tmp_path):
    if page.stem == "dask":
        pytest.importorskip("distributed", reason="the dask extra is not installed")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # files a page writes land in a temporary folder
    attempted, failed, report = _run_page(page)
    assert failed == 0, f"{failed} of {attempted} examples of {_page_id(page)} failed:\n{report}"
    if page in GUIDE:
        assert attempted > 0, f"{_page_id(page)} is a guide page without a single >>> example"


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
    """Build the HTML once with warnings as errors; return the output folder."""
    out = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, (
        f"sphinx-build failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n"
        f"{proc.stderr[-8000:]}"
    )
    return out / "html"


def test_html_builds_without_warnings(html):
    assert (html / "index.html").is_file()
    for page in PAGES:
        built = html / page.relative_to(DOCS).with_suffix(".html")
        assert built.is_file(), f"{_page_id(page)} was not built (missing from every toctree?)"


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
    missing = [name for name in skimgclf.__all__
               if name != "__version__" and id(getattr(skimgclf, name)) not in documented]
    assert not missing, f"top-level names missing from the API reference: {missing}"


def test_examples_page_includes_every_example():
    scripts = sorted(p.name for p in (DOCS.parent / "examples").glob("plot_*.py"))
    page = (DOCS / "examples.rst").read_text(encoding="utf-8")
    missing = [name for name in scripts if f".. literalinclude:: ../examples/{name}" not in page]
    assert not missing, f"examples missing from docs/examples.rst: {missing}"
