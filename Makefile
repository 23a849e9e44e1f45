# Two commands for a fresh machine: `make run` (the product with demo data) and `make test`.
VENV ?= .venv
PY = $(VENV)/bin/python
STAMP = $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# `make run HOST=0.0.0.0 PORT=8080` (not taken from the environment: shells set HOST).
HOST = 127.0.0.1
PORT = 5000

.PHONY: run test lint bench system-deps run-deps clean assets translations

# System packages, by their Debian names, that a step needs and this machine lacks (each is
# empty when nothing is missing). Only recipes expand them, so the checks run when needed.
# .ci/apt-install installs them with apt (one update, waiting for apt's lock) or says how.
VENV_DEBS = $(shell python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || echo python3-venv)
NODE_DEBS = $(shell command -v npm >/dev/null || echo nodejs npm)
TEST_DEBS = $(shell command -v redis-server >/dev/null || echo redis-server) \
	$(shell test -x /usr/bin/chromium || echo chromium) \
	$(shell dpkg-query -W -f='$${db:Status-Status}' fonts-noto-cjk 2>/dev/null | grep -qx installed || echo fonts-noto-cjk) \
	$(if $(GRIDCASE_PG_BIN)$(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql)
# What the PDF reports need at run time: WeasyPrint's Pango and HarfBuzz, and a CJK font.
PDF_DEBS = $(foreach deb,libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk,$(shell dpkg-query -W -f='$${db:Status-Status}' $(deb) 2>/dev/null | grep -qx installed || echo $(deb)))
# What building the venv and the assets needs, unless they are built already.
BUILD_DEBS = $(if $(wildcard $(STAMP)),,$(VENV_DEBS)) $(if $(wildcard $(ASSETS)),,$(NODE_DEBS))
# $(call apt-install,PACKAGES): the command installing them; nothing at all when there are none.
apt-install = $(if $(strip $(1)),.ci/apt-install $(strip $(1)))

$(STAMP): pyproject.toml
	$(call apt-install,$(VENV_DEBS))
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# bpmn-js, ECharts, Leaflet and the Tabler icons (the residents' category pictures) from the
# npm registry, served by Flask from web/static/vendor (no CDN). The process editor's modeler
# (bpmn-js with the properties panel and gridcase's properties, web/assets/src) is bundled by
# esbuild, after checking that its spiffworkflow extension round-trips the diagrams in bpmn/.
ASSETS = web/static/vendor/.installed-$(shell cksum < web/assets/package-lock.json | cut -d' ' -f1)

$(ASSETS): web/assets/package-lock.json $(wildcard web/assets/src/*)
	$(call apt-install,$(NODE_DEBS))
	cd web/assets && npm ci --no-audit --no-fund --loglevel=error
	rm -rf web/static/vendor && mkdir -p web/static/vendor/bpmn-js web/static/vendor/echarts web/static/vendor/leaflet web/static/vendor/leaflet.markercluster
	cp -r web/assets/node_modules/bpmn-js/dist/*.js web/assets/node_modules/bpmn-js/dist/assets web/static/vendor/bpmn-js/
	cp web/assets/node_modules/echarts/dist/echarts.min.js web/static/vendor/echarts/
	cp -r web/assets/node_modules/leaflet/dist/leaflet.js web/assets/node_modules/leaflet/dist/leaflet.css web/assets/node_modules/leaflet/dist/images web/static/vendor/leaflet/
	cp web/assets/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js web/assets/node_modules/leaflet.markercluster/dist/*.css web/static/vendor/leaflet.markercluster/
	mkdir -p web/static/vendor/tabler && cp -r web/assets/node_modules/@tabler/icons/icons/outline web/static/vendor/tabler/
	cd web/assets && node src/roundtrip.mjs ../../bpmn/*.bpmn
	cd web/assets && node_modules/.bin/esbuild src/modeler.js --bundle --minify --format=iife \
		--global-name=GridcaseModeler --log-level=error --outfile=../static/vendor/gridcase-modeler/gridcase-modeler.js
	cp web/assets/node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css web/static/vendor/gridcase-modeler/
	touch $@

assets: $(ASSETS)

run: run-deps $(STAMP) $(ASSETS)
	$(VENV)/bin/gridcase run --demo --host $(HOST) --port $(PORT)

test: system-deps $(STAMP) $(ASSETS)
	$(PY) -m pytest $(PYTEST_ARGS)

# After editing templates: extract messages, merge them into each catalogue, compile.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -k Phrase -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d web/translations

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/gridcase bench loop

# Everything from apt in one go (a fresh machine gets one apt-get update, not one per step).
run-deps:
	$(call apt-install,$(BUILD_DEBS) $(PDF_DEBS))

system-deps:
	$(call apt-install,$(sort $(BUILD_DEBS) $(TEST_DEBS) $(PDF_DEBS)))

clean:
	rm -rf instance .pytest_cache
