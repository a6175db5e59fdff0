# The two commands a newcomer runs: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# A stamp per extra set: reinstall only when pyproject.toml changes.
LAB_STAMP  := $(VENV)/.stamp-lab
TEST_STAMP := $(VENV)/.stamp-test

.PHONY: lab test lint format exercises bench clean

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

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

exercises: $(TEST_STAMP)
	$(VENV)/bin/minigrad-course build

# Timing scripts, side by side with NumPy and PyTorch (see benchmarks/README.md).
bench: $(TEST_STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
