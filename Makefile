# podbot — the commands a newcomer needs: `make demo`, `make test` and `make run`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Three test tiers. `make test` runs every test but those marked `realtime` (a Slack outage waited
# out in real time), its property tests drawing a tenth of their examples; `make test-realtime`
# runs the real-time ones and `make test-thorough` the `thorough` property tests at their full
# example count. CI runs all three. Four processes on two cores:
# an end-to-end test spends much of its time waiting on its threads and servers. `loadgroup`:
# the tests marked with one `xdist_group` (the seeded demo's readers) share one process, so
# the demo (half a minute of CPU) is seeded once, not once per process.
# start_bot's Homes are not paused for HOME_SHARE (tests/conftest.py `unpaced_clock`): the
# pause is waited out in real time, up to a second per command (a quarter of a test's time).
PYTEST_ARGS ?= -n 4 --dist loadgroup
DEMO_PORT ?= 3000

.PHONY: install demo demo-fresh run test test-realtime test-thorough screenshots lint format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "podbot needs Python 3.11 or newer (try: make PYTHON=python3.11 ...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

config/podbot.toml:
	cp config/podbot.example.toml $@
	@echo "Created $@ from the example: edit its PODs, channels and members."

# The sandbox: podbot, a Slack stand-in and a web page on http://127.0.0.1:$(DEMO_PORT)/,
# with config/demo.toml and demo data in podbot-sandbox.db. No Slack needed. `make demo`
# resumes where the last one stopped (requests, messages, clock); `make demo-fresh` (or
# DEMO_FRESH=1 make demo) starts over with new demo data.
DEMO_FRESH ?=
demo: $(STAMP)
	$(BIN)/podbot sandbox --port $(DEMO_PORT)$(if $(filter-out 0,$(DEMO_FRESH)), --fresh)

demo-fresh: $(STAMP)
	$(BIN)/podbot sandbox --fresh --port $(DEMO_PORT)

# With SLACK_APP_TOKEN set (an app-level xapp- token) the bot connects over Socket Mode and
# needs no public URL; without it, it serves HTTP on $$PORT (default 3000) for Slack to call.
run: $(STAMP) config/podbot.toml
	$(BIN)/podbot db upgrade
	$(BIN)/podbot serve$(if $(SLACK_APP_TOKEN), --socket-mode)

test: $(STAMP)
	$(BIN)/pytest -m "not realtime" $(PYTEST_ARGS)

# One process: the tier is one outage smoke test, waiting out 20 s in real time.
test-realtime: $(STAMP)
	$(BIN)/pytest -m realtime

# The property tests marked `thorough` at their full example count (tests/helpers/properties.py).
test-thorough: $(STAMP)
	PODBOT_THOROUGH=1 $(BIN)/pytest -m thorough $(PYTEST_ARGS)

# The README's screenshots (docs/images/), taken by the browser tests on the seeded demo
# (Playwright with Debian's /usr/bin/chromium and fonts-noto-color-emoji).
screenshots: $(STAMP)
	PODBOT_SCREENSHOTS=docs/images $(BIN)/pytest -p no:cacheprovider tests/sandbox/test_demo_browser.py

# Ruff, its formatter and mypy (strict on bot/, configured in pyproject.toml's [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
