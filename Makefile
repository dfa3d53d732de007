# Thin targets: every one calls `python -m bench` or a few-line script in scripts/.
# Names, ports, servers and worker formulas live in bench/frameworks.py only.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= standard
FRAMEWORK ?= flask
FRAMEWORKS ?=
# FRAMEWORKS may be given as "flask,bottle" or "flask bottle"; commands take one or the other.
comma := ,
space := $(subst ,, )
FW_WORDS := $(strip $(subst $(comma), ,$(FRAMEWORKS)))
FW_CSV := $(subst $(space),$(comma),$(FW_WORDS))

.PHONY: setup system test bench report verify serve calibrate lint clean lock \
        profile baseline gate ci bench-docker compose docker-provision

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the tests drive for real (chromium, valgrind, wrk); installs only what is missing.
system:
	bash scripts/setup-system.sh

test: setup system
	$(PY) -m pytest

bench: setup system
	$(PY) -m bench run --profile $(PROFILE) $(if $(FW_CSV),--frameworks $(FW_CSV))
	$(PY) -m bench report

report: setup
	$(PY) -m bench report

verify: setup
	$(PY) -m bench verify $(FW_WORDS)

serve: setup
	$(PY) -m bench serve $(FRAMEWORK)

calibrate: setup
	$(PY) -m bench calibrate

lint: setup
	$(PY) -m ruff check bench tests apps
	$(PY) -m ruff format --check bench tests
	$(PY) -m mypy
	$(VENV)/bin/zizmor --offline --min-severity low .github/workflows/

profile: setup
	$(PY) -m bench profile $(FW_WORDS)

# Refreshes the gate's baseline (both levels, sorted keys and cells): commit it with the change
# that justifies it and review its diff. CI never runs this.
baseline: setup
	$(PY) -m bench profile --output bench/baselines/instructions.json

gate: setup
	$(PY) -m bench gate --baseline bench/baselines/instructions.json

# What .github/workflows/bench.yml runs, locally.
ci: test lint gate

docker-provision:
	bash scripts/provision-docker.sh

compose: setup
	$(PY) -m bench compose --write docker-compose.yml

bench-docker: setup docker-provision
	$(PY) -m bench docker --profile $(PROFILE) $(if $(FW_CSV),--frameworks $(FW_CSV))
	$(PY) -m bench report

# Regenerate the lock from the ranges in pyproject.toml (maintainers only; needs network).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --no-header -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
