# Two entry points that work on a fresh machine with Python 3.11 and a C compiler.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench man clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel

$(STAMP): $(PY) setup.py setup.cfg pyproject.toml
	$(PY) -m pip install "cython>=3.0" "numpy>=2.0" "scipy>=1.11"
	$(PY) -m pip install --no-build-isolation -e ".[test]"
	touch $(STAMP)

# Rebuild the Cython kernels whenever a .pyx/.pxd changed.
setup: $(STAMP)
	$(PY) setup.py -q build_ext --inplace

test: setup
	$(PY) -m pytest -q tests

demo: setup
	$(PY) -m axonml train --model simplecnn --dataset digits --optimizer adam --lr 0.001 --batch-size 32 --epochs 6 --out runs/demo

bench: setup
	$(PY) -m pytest -q benchmarks --benchmark-columns=median,iqr,rounds

# The man page is generated from the argparse parser; tests check it is up to date.
man: setup
	$(VENV)/bin/argparse-manpage --module axonml.cli --function build_parser --prog axonml \
		--project-name axonml --description "train, evaluate and ship models with axonml" \
		--manual-title "axonml manual" --output man/axonml.1

clean:
	rm -rf build $(VENV) axonml/_ext/*.c axonml/_ext/*.so *.egg-info
