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

.PHONY: lecture test preview docs golden system-packages test-system-packages clean-cache

lecture: $(VENV_STAMP)
	$(VENV_PY) render.py --quality $(QUALITY) $(ARGS)

preview: $(VENV_STAMP)
	$(VENV_PY) render.py --quality low $(ARGS)

# One worker per core; a test file's tests stay on one worker, so its fixtures render once.
test: $(VENV_STAMP) test-system-packages
	$(VENV_PY) -m pytest -n auto --dist loadfile $(ARGS)

# Regenerate assets/lesson.toml's comments and docs/CONFIG.md from the schema and the scenes.
docs: $(VENV_STAMP)
	$(VENV_PY) scripts/config_docs.py

# Store a scene's golden frame (tests/control_data/lecture/SCENE.png) after a new scene or an
# intended visual change: make golden SCENE=ExplodingGradient
golden: $(VENV_STAMP)
	@test -n "$(SCENE)" || { echo "usage: make golden SCENE=SceneName"; exit 2; }
	$(VENV_PY) -m pytest -q -p no:cacheprovider "tests/test_goldens.py::test_last_frame_matches_golden[$(SCENE)]" --set_test
	@echo "wrote tests/control_data/lecture/$(SCENE).png: open it and look at it before you commit it"

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
