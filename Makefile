# Two entry points: `make demo` (small default tournament) and `make test` (pytest, then mypy
# with the [tool.mypy] settings of pyproject.toml).
# Each creates .venv, installs torch (CPU, from the pinned release) first, then this project.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export CMAKE_POLICY_VERSION_MINIMUM := 3.5

.PHONY: demo test install bench clean

$(STAMP): setup.py pyproject.toml $(wildcard csrc/*.pyx csrc/*.pxd)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet cython numpy
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m uedtp.eval.tournament

test: $(STAMP)
	$(PY) -m pytest -q tests
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache csrc/*.c csrc/*.cpp csrc/*.so
