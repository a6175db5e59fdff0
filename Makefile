# The two commands a newcomer runs: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# A stamp per extra set: reinstall only when pyproject.toml changes.
LAB_STAMP  := $(VENV)/.stamp-lab
TEST_STAMP := $(VENV)/.stamp-test

.PHONY: lab test test-numpy1 lint format exercises bench clean grading-runtime

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(LAB_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[lab]'
	$(PY) -m ipykernel install --user --name minigrad --display-name "Python (minigrad)"
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[lab,test,export]'
	touch $@

# JupyterLab refuses to start as root (Docker, some cloud images) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --notebook-dir=. notebooks/00_setup.ipynb

test: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/minigrad-course build --check
	$(PY) -m pytest -n 2 --dist loadfile

# The engine on the oldest NumPy we support (NumPy 1.26 promotes scalars differently).
NP1_VENV := .venv-numpy1
$(NP1_VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(NP1_VENV)
	$(NP1_VENV)/bin/python -m pip install -e '.[test]' 'numpy>=1.26,<2' scikit-learn
	touch $@

test-numpy1: $(NP1_VENV)/.stamp
	$(NP1_VENV)/bin/python -m pytest -n 2 tests/ops tests/autograd tests/nn tests/optim \
		tests/data tests/static tests/test_tensor.py tests/test_errors.py tests/test_torch_programs.py

# Fix what can be fixed without stopping, format (which wraps most long lines), then report
# what is left for a person: one run shows every remaining problem.
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check --fix --exit-zero --silent .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check .

exercises: $(TEST_STAMP)
	$(VENV)/bin/minigrad-course build

# As root, grading runs student code as sandbox uids, which cannot execute a Python installed
# under /root: this copies the interpreter and packages (hard links) to a place they can
# (/opt/minigrad-grading, or DIR=...). See docs/instructors.md, "The sandbox".
grading-runtime: $(TEST_STAMP)
	$(PY) -m minigrad_course.runtime $(DIR)

# Timing scripts, side by side with NumPy and PyTorch (see benchmarks/README.md).
bench: $(TEST_STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) $(NP1_VENV) build *.egg-info .pytest_cache .hypothesis
