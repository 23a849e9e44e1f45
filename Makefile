# Two commands for a fresh machine: `make run` (the product with demo data) and `make test`.
VENV ?= .venv
PY = $(VENV)/bin/python
STAMP = $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench system-deps clean assets translations

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# bpmn-js from the npm registry, served by Flask from web/static/vendor (no CDN).
ASSETS = web/static/vendor/.installed-$(shell cksum < web/assets/package-lock.json | cut -d' ' -f1)

$(ASSETS): web/assets/package-lock.json
	cd web/assets && npm ci --no-audit --no-fund --loglevel=error
	rm -rf web/static/vendor && mkdir -p web/static/vendor/bpmn-js
	cp -r web/assets/node_modules/bpmn-js/dist/*.js web/assets/node_modules/bpmn-js/dist/assets web/static/vendor/bpmn-js/
	touch $@

assets: $(ASSETS)

run: $(STAMP) $(ASSETS)
	$(VENV)/bin/gridcase run --demo

test: $(STAMP) $(ASSETS) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# After editing templates: extract messages, merge them into each catalogue, compile.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d web/translations

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/gridcase bench loop

# Test-only system packages, installed with apt only when missing.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -x /usr/bin/chromium || missing="$$missing chromium fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

clean:
	rm -rf instance .pytest_cache
