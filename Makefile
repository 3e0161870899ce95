# The two commands a user needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export KERAS_BACKEND ?= jax

.PHONY: install demo test lint format bench clean

install: $(STAMP)

# Re-install only when the package metadata changes; torch is pinned to the
# local CPU wheel because a looser pin pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps tf-keras==2.21.0
	touch $(STAMP)

demo: install
	$(BIN)/learnact train --epochs 5 --out runs/demo

# The import contracts (pyproject.toml), the whole suite and every docstring
# example on JAX, then every backend-neutral part again on PyTorch and on
# TensorFlow (tests/backends: native use of each framework, each test skipped
# with its reason on the other two; tests/kan and tests/symbolic once they exist).
# Tests are spread one by one over the two workers (worksteal: a few long
# subprocess tests no longer hold one worker while the other idles), and the
# JAX compilation cache they share (conftest.py) starts empty on every run, as
# on a fresh clone.
BACKEND_TESTS := tests/ops tests/layers tests/initializers tests/gradients tests/backends \
	$(wildcard tests/kan tests/symbolic)
test: install
	$(BIN)/lint-imports
	rm -rf .cache/jax
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n 2 --dist worksteal -q --doctest-modules tests src
	KERAS_BACKEND=torch $(BIN)/python -m pytest -n 2 --dist worksteal -q $(BACKEND_TESTS)
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest -n 2 --dist worksteal -q $(BACKEND_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/learnact bench --json runs/bench.json

clean:
	rm -rf $(VENV) runs .cache build *.egg-info src/*.egg-info
