# Two commands do all the set-up on a fresh machine with python3:
#   make demo   -- creates .venv, installs skimgclf, runs the demo on the embedded digits
#   make test   -- creates .venv, installs skimgclf[dev], runs the test suite
# make test stays the whole suite; make test-fast is the inner loop: it leaves out the tests
# marked slow (over ~3 s: real-data runs, examples, docs build and heavy pages, searches).
# make test-compat runs the fast suite against the oldest scikit-learn that pyproject.toml
# accepts, in its own virtualenv (.venv-compat); make test runs on the newest. CI runs both.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch is preferred (small, and on this machine's disk); any torch>=2.1 works.
TORCH_SPEC ?= torch==2.13.0

# The suite runs in TEST_WORKERS pytest-xdist processes, each test at one torch/BLAS thread
# (tests/conftest.py): on 2 cores, 2 workers took 5:20 against 10:45 for one process, which
# left a core idle. worksteal keeps both busy when a long test (an example) lands late.
TEST_WORKERS ?= 2
PYTEST := -m pytest -q -n $(TEST_WORKERS) --dist worksteal

.PHONY: demo test test-fast test-compat bench clean lint docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)" || $(BIN)/pip install -q "torch>=2.1"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/skimgclf demo

test: $(VENV)/.installed
	$(BIN)/python $(PYTEST)

test-fast: $(VENV)/.installed
	$(BIN)/python $(PYTEST) -m "not slow"

# The lower bound of the declared range, read from pyproject.toml: the one place it is written.
SKLEARN_OLDEST = $(shell sed -n 's/.*"scikit-learn>=\([0-9.]*\),.*/\1/p' pyproject.toml)
COMPAT_VENV ?= .venv-compat

$(COMPAT_VENV)/.compat-installed: pyproject.toml
	$(MAKE) VENV=$(COMPAT_VENV) $(COMPAT_VENV)/.torch
	$(COMPAT_VENV)/bin/pip install -q -e ".[dev]" "scikit-learn==$(SKLEARN_OLDEST)"
	touch $@

test-compat: $(COMPAT_VENV)/.compat-installed
	$(COMPAT_VENV)/bin/python -c "import sklearn; print('scikit-learn', sklearn.__version__)"
	$(COMPAT_VENV)/bin/python $(PYTEST) -m "not slow"

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# The example gallery runs every example in its fast mode (docs/conf.py sets
# SKIMGCLF_EXAMPLES_FAST=1 unless it is set): minutes on a CPU, then only the changed examples
# run again. `make docs PLOT_GALLERY=0` builds the gallery's pages without running them.
PLOT_GALLERY ?= 1
docs: $(VENV)/.installed
	$(BIN)/sphinx-build -W --keep-going -b html -D plot_gallery=$(PLOT_GALLERY) docs docs/_build/html

bench: $(VENV)/.installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(COMPAT_VENV) build *.egg-info
