# The two commands a newcomer runs: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# A stamp per extra set: reinstall only when pyproject.toml changes.
LAB_STAMP  := $(VENV)/.stamp-lab
TEST_STAMP := $(VENV)/.stamp-test

.PHONY: lab test test-numpy1 test-browser test-runtimes lint format exercises bench clean \
	grading-runtime

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

# Terminals (File > New > Terminal) get the venv first on PATH, so `minigrad-course` works there.
# They run the user's shell as a non-login shell: a login shell reads /etc/profile, which resets
# PATH on Debian and Ubuntu. LAB_ARGS adds options (the browser test passes port and token).
# .jupyter/labconfig holds the course's default settings (a student's own settings win): widget
# state is saved with the notebook, so a chapter saved after a run and opened again shows its
# widgets, not "Error displaying widget: model not found".
LAB_SHELL := $${SHELL:-/bin/bash}
lab: $(LAB_STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" \
		JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(VENV)/bin/jupyter lab $(ROOT_FLAG) --notebook-dir=. \
		--ServerApp.terminado_settings=shell_command="$(LAB_SHELL)" $(LAB_ARGS) \
		notebooks/00_setup.ipynb

# nbval runs every notebook cell by cell in a kernel of this venv; the plugin
# minigrad_course/nbval_checks.py adds the time budget per chapter and the exercises' stubs.
# --dist loadfile keeps a notebook on one worker.
# Grading tests run real gradings (sandbox uids, kernels, limits on the whole machine): after
# the rest, in two workers as root, where each grading claims sandbox uids of its own (under a
# lock); one at a time otherwise: every kernel runs as this user and shares its process limit
# (RLIMIT_NPROC), and a fork bomb graded in one worker can starve the other worker's kernels.
DEFAULT_MARKS := not slow and not benchmark and not browser and not runtimes
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=120
GRADING_WORKERS := $(if $(filter 0,$(shell id -u)),2,0)
# Kernels never write bytecode (kernel_env), nor does any process where PYTHONDONTWRITEBYTECODE
# is set: compiled once here, the hundreds of kernels the tests start read minigrad's bytecode
# instead of compiling it each time (a sixth of the CPU of grading a chapter, measured).
test: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/minigrad-course build --check
	$(PY) -m compileall -q minigrad minigrad_course
	$(PY) -m pytest -n 2 --dist loadfile $(NBVAL) tests notebooks solutions exercises \
		-m "$(DEFAULT_MARKS) and not grading"
	$(PY) -m pytest -n $(GRADING_WORKERS) --dist loadfile -m "$(DEFAULT_MARKS) and grading" \
		tests/course

# The engine on the oldest NumPy we support (NumPy 1.26 promotes scalars differently).
NP1_VENV := .venv-numpy1
$(NP1_VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(NP1_VENV)
	$(NP1_VENV)/bin/python -m pip install -e '.[test]' 'numpy>=1.26,<2' scikit-learn
	touch $@

test-numpy1: $(NP1_VENV)/.stamp
	$(NP1_VENV)/bin/python -m pytest -n 2 tests/ops tests/autograd tests/nn tests/optim tests/distributions \
		tests/data tests/static tests/test_tensor.py tests/test_errors.py tests/test_torch_programs.py \
		tests/test_semantics_vs_torch3.py tests/test_semantics_vs_torch4.py tests/test_semantics_vs_torch5.py \
		tests/test_semantics_vs_torch6.py tests/test_semantics_vs_torch7.py tests/test_semantics_vs_torch8.py \
		tests/test_hostile_files9.py tests/test_hostile_files10.py tests/test_hostile_files11.py \
		tests/test_hostile_files12.py tests/test_hostile_files13.py tests/test_hostile_files14.py

# Every chapter in JupyterLab in a real browser: Debian's Chromium (installed when missing; CI
# runs as root) driven by Playwright. Screenshots go to build/browser/.
BROWSER_STAMP := $(VENV)/.stamp-browser
$(BROWSER_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[lab,test,browser]'
	touch $@

/usr/bin/chromium:
	-DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends chromium)

test-browser: $(BROWSER_STAMP) $(LAB_STAMP) /usr/bin/chromium
	$(PY) -m pytest -n 0 -m browser tests/browser

# Every notebook on the cloud-notebook runtimes (Colab's current one, the oldest we support),
# each in its own venv under .venv-runtimes/, run from a folder outside the repository.
test-runtimes: $(TEST_STAMP)
	$(PY) -m pytest -n 0 -m runtimes tests/runtimes

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
	rm -rf $(VENV) $(NP1_VENV) .venv-runtimes build *.egg-info .pytest_cache .hypothesis
