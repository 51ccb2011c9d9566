# Sportello — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python <= 3.10 (the bot); the hub runs on the default python3 (3.11+).
PYTHON_BOT ?= $(shell (ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1; command -v python3.10) | head -n 1)
PYTHON_HUB ?= python3
BOT := .venv/bot
HUB := .venv/hub
RASA := $(BOT)/bin/rasa
PIP_QUIET := --quiet --disable-pip-version-check

MODEL := bot/models/sportello.tar.gz
SPACY_MODEL := bot/models/spacy_it/meta.json
# The shop whose assistant is trained and run: a folder with its shop.yml (docs/content-guide.md).
# `make run SHOP=shops/electronics` trains for that shop (the model is one shop's at a time).
SHOP ?= shops/casa
export SPORTELLO_SHOP := $(abspath $(SHOP))
BUILD := .build/shop
# which shop the model was last built for: a change of SHOP retrains
SHOP_STAMP := .build/shop-name
$(shell mkdir -p .build; [ "$$(cat $(SHOP_STAMP) 2>/dev/null)" = "$(SPORTELLO_SHOP)" ] || echo "$(SPORTELLO_SHOP)" > $(SHOP_STAMP))
TRAIN_INPUTS := config.yml domain.yml $(SHOP_STAMP) $(wildcard $(SHOP)/*.yml $(SHOP)/*.csv) sportello/shop.py sportello/catalogue.py tools/shop_build.py \
  $(shell find bot/data bot/components -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)

export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help install train validate nlu-profiles test test-bot test-hub test-js test-e2e test-dates test-dates-all dates-bot dates-hub run lint format nlu-crossval bench clean ship rollback releases

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(BOT)/.installed $(HUB)/.installed ## Create .venv/bot (Python 3.10, Rasa) and .venv/hub (hub, tests)

$(BOT)/.installed: bot/requirements.txt
	@test -n "$(PYTHON_BOT)" || { echo "Python 3.10 not found (Rasa 3.6 needs <= 3.10): set PYTHON_BOT=/path/to/python3.10" >&2; exit 1; }
	@test -x $(BOT)/bin/python || $(PYTHON_BOT) -m venv $(BOT)
	@echo "Installing the bot environment (Rasa 3.6, spaCy) into $(BOT)…"
	@$(BOT)/bin/pip install $(PIP_QUIET) -r bot/requirements.txt 2>&1 | grep -v -E "is ignored: it is neither a file nor a directory|DEPRECATION: " || true
	@out=$$($(BOT)/bin/python -c "import rasa, rasa_sdk, spacy, spacy_lookups_data" 2>&1) || { echo "$$out" >&2; echo "bot environment is incomplete" >&2; exit 1; }
	@touch $@

$(HUB)/.installed: handoff/requirements.txt tests/requirements.txt
	@test -x $(HUB)/bin/python || $(PYTHON_HUB) -m venv $(HUB)
	@echo "Installing the hub environment into $(HUB)…"
	@$(HUB)/bin/pip install $(PIP_QUIET) -r tests/requirements.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@$(HUB)/bin/python -c "import sanic, redis, argon2, jwt, httpx, yaml, aiosmtplib, aiosmtpd, pytest, playwright, hypothesis" || { echo "hub environment is incomplete" >&2; exit 1; }
	@touch $@

$(SPACY_MODEL): bot/components/spacy_it.py $(BOT)/.installed
	@PYTHONWARNINGS=ignore $(BOT)/bin/python -m bot.components.spacy_it bot/models/spacy_it 2>&1 | grep -v -i "tensorflow\|cuda\|rebuild\|W036\|matches = self" || true
	@test -f $@

$(MODEL): $(TRAIN_INPUTS) $(SPACY_MODEL)
	@echo "Training the assistant (its data, domain or config changed); progress follows…"
	@set -o pipefail; start=$$(date +%s); \
	$(BOT)/bin/python -m tools.shop_build --out $(BUILD) && \
	PYTHONWARNINGS=ignore $(RASA) train --config $(BUILD)/config.yml --domain domain.yml --data $(BUILD)/data \
	  --out bot/models --fixed-model-name sportello --num-threads 2 2>&1 \
	  | $(PYTHON_HUB) -m tools.train_progress \
	&& touch $@ && echo "Trained $@ in $$(( $$(date +%s) - start )) s"

train: $(BOT)/.installed $(MODEL) ## Build the spaCy pipeline and train the model (skipped when nothing changed)

validate: $(BOT)/.installed ## rasa data validate, failing on any warning that is not an explained one
	@$(BOT)/bin/python -m bot.validate

# The dates `make test-dates` runs the bot and hub suites at (UTC, as faketime takes them): the shop's
# day (Europe/Rome) changes during the run, and the clocks go forward during the run. The tests'
# redis-server runs on the machine's clock. The bot suite leaves out the tests that load the trained
# model (marker `model`: NLU quality, conversation tests): TensorFlow's thread pools deadlock at random
# under libfaketime, and they read no date (their actions are not run); its monotonic clock is not
# faked. The hub suite's is (Python 3.11 sleeps on an absolute monotonic deadline, which libfaketime
# refuses when only the wall clock is faked).
MONTH_END ?= 2027-04-30 21:57:00
DST_CHANGE ?= 2027-03-28 00:57:00
ANOTHER_DAY ?= 2027-03-15 10:00:00
HUB_SUITES := tests/handoff tests/tools tests/project

test: install train ## Run every test suite (lint, bot, hub, widget/console, end-to-end, browser, other dates)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory validate
	@$(MAKE) --no-print-directory test-js
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-bot test-hub
	@$(MAKE) --no-print-directory test-e2e
	@$(MAKE) --no-print-directory test-dates

test-bot: $(BOT)/.installed $(MODEL) ## Bot: action unit tests, conversation tests, held-out NLU gate
	$(BOT)/bin/python -m pytest -q tests/bot

test-hub: $(HUB)/.installed ## Hub tests (private Redis, stand-in Rasa): behaviour, fuzzing, abuse, faults; the launcher
	$(HUB)/bin/python -m pytest -q $(HUB_SUITES)

test-dates: $(BOT)/.installed $(HUB)/.installed $(MODEL) ## The bot suite across a month end and the hub suite across a DST change (faketime), side by side
	@command -v faketime >/dev/null || { echo "faketime is needed (Debian: apt-get install faketime)" >&2; exit 1; }
	@$(MAKE) --no-print-directory -j2 --output-sync=target dates-bot dates-hub BOT_DATE="$(MONTH_END)" HUB_DATE="$(DST_CHANGE)"

test-dates-all: $(BOT)/.installed $(HUB)/.installed $(MODEL) ## Both suites at each of the three dates (slow: about 6 runs)
	@for date in "$(ANOTHER_DAY)" "$(MONTH_END)" "$(DST_CHANGE)"; do \
	  $(MAKE) --no-print-directory -j2 --output-sync=target dates-bot dates-hub BOT_DATE="$$date" HUB_DATE="$$date" || exit 1; done

dates-bot:
	@echo "bot suite at $(BOT_DATE) UTC (faketime)"
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime '$(BOT_DATE)' $(BOT)/bin/python -m pytest -q -p no:cacheprovider -m "not model" tests/bot

dates-hub:
	@echo "hub suite at $(HUB_DATE) UTC (faketime)"
	faketime '$(HUB_DATE)' $(HUB)/bin/python -m pytest -q -p no:cacheprovider $(HUB_SUITES)

test-js: ## Widget and console unit tests (node's test runner)
	node --test tests/widget/ tests/console/

test-e2e: $(HUB)/.installed $(MODEL) ## Real Rasa + action server + hub, and the browser tests (Chromium)
	$(HUB)/bin/python -m pytest -q tests/e2e

ship: install $(SPACY_MODEL) ## Ship content: validate, train, gates, then live in every running Rasa and hub (no restart)
	@$(HUB)/bin/python -m tools.ship ship

rollback: install ## Put the previous content release back live (model and responses), the same way
	@$(HUB)/bin/python -m tools.ship rollback

releases: ## List the kept content releases (the live one marked)
	@$(HUB)/bin/python -m tools.ship list

run: install train ## Run the whole system: Redis (unless REDIS_URL is set), Rasa, actions, hub
	@$(HUB)/bin/python -m tools.devstack

nlu-profiles: $(BOT)/.installed $(SPACY_MODEL) ## Train for each shop profile (shops/*) and measure it on that shop's held-out sets (~4 min a shop; docs/benchmarks.md)
	@PYTHONWARNINGS=ignore $(BOT)/bin/python -m bench.nlu_profiles $(PROFILES)

nlu-crossval: $(BOT)/.installed $(SPACY_MODEL) ## 3-fold cross-validation of the NLU (slow; results in results/)
	$(RASA) test nlu --config config.yml --nlu bot/data/nlu --cross-validation --folds 3 --out results/crossval

bench: install train ## Run the benchmarks (real Rasa, hub, Redis; ~4 min) and record them in docs/benchmarks.md
	@$(HUB)/bin/pip install $(PIP_QUIET) -r bench/requirements.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@set -o pipefail; start=$$(date +%s); BENCH_PROFILE=$${BENCH_PROFILE:-results/hub-turn-profile.txt} \
	  $(HUB)/bin/python bench/run.py && echo "make bench took $$(( $$(date +%s) - start )) s"

lint: $(HUB)/.installed ## ruff (lint and format check) over Python code
	$(HUB)/bin/ruff check bot handoff sportello tests bench tools
	$(HUB)/bin/ruff format --check bot handoff sportello tests bench tools

format: $(HUB)/.installed ## ruff format
	$(HUB)/bin/ruff format bot handoff sportello tests bench tools

clean: ## Remove trained models and caches (keeps the environments)
	rm -rf bot/models/*.tar.gz bot/models/spacy_it results .pytest_cache
