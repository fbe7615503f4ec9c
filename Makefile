# Two commands do all the set-up on a fresh Debian 12 machine:
#   make lecture   render the whole lecture into output/
#   make test      run the test suite
# Each installs what is missing first (Debian packages, then .venv/), and nothing twice.

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
# Rebuilt when pyproject.toml changes; the stamp records a finished install.
VENV_STAMP := $(VENV)/.installed

QUALITY ?= high
ARGS ?=

.PHONY: lecture test preview system-packages test-system-packages clean-cache

lecture: $(VENV_STAMP)
	$(VENV_PY) render.py --quality $(QUALITY) $(ARGS)

preview: $(VENV_STAMP)
	$(VENV_PY) render.py --quality low $(ARGS)

test: $(VENV_STAMP) test-system-packages
	$(VENV_PY) -m pytest $(ARGS)

system-packages:
	@./setup/install-system-packages.sh setup/debian-packages.txt

test-system-packages:
	@./setup/install-system-packages.sh setup/debian-packages.txt setup/debian-packages-test.txt

$(VENV_STAMP): pyproject.toml setup/debian-packages.txt | system-packages
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -e '.[test]'
	@touch $@

clean-cache:
	rm -rf .cache/manim
