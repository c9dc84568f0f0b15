# essaycast: every step installs what it needs into .venv; nothing by hand.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test test-fast test-voice-free lint bench clean

# Install essaycast and narrate the sample show (output/ -> feed.xml + MP3s).
demo: $(BIN)/essaycast
	$(BIN)/essaycast build

# Install essaycast with its test tools and run the whole test suite (doctests included).
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

# Everything but the tests marked slow (a real voice): the tone speaks (tests/fakes.py).
# The ten slowest are listed, so a fast test that grows slow is seen.
test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m "not slow" --durations=10

# test-fast where hibari and piper cannot be imported: proves the fast tier is voice-free.
test-voice-free: $(VENV)/.dev-installed
	@blocked=$$(mktemp -d) && \
	for m in hibari piper; do echo "raise ImportError('$$m: blocked by make test-voice-free')" > $$blocked/$$m.py; done && \
	PYTHONPATH=$$blocked $(BIN)/python -m pytest -m "not slow"; status=$$?; rm -rf $$blocked; exit $$status

# The style the house keeps: lint, formatting, types, and imports that run down
# one layer at a time (config for all four in pyproject.toml; docs/ARCHITECTURE.md).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench
	$(BIN)/mypy pipeline
	$(BIN)/lint-imports

# Speed and memory against the piper CLI (SPEC section 10); writes bench/RESULTS.md.
# Not part of `make test`. espeak-ng on PATH (apt) is optional: figure (b)'s anchor.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/essaycast: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf output/episodes output/*.xml output/*.html output/*.json output/*.jpg .essaycast
