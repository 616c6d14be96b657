# The front door: `make demo` brings the stack up in local containers,
# `make test` runs everything CI checks. Both set themselves up (venv, Docker
# engine, test images, release mirror) and are fast when that is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQ_STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
COLLECTION_LINK := collections/ansible_collections/plugspace/monitoring
DEMO_INVENTORY := inventory/demo
# make bench's fleet case: node_exporter on this many hosts (several sizes: BENCH_HOSTS=1,20,50).
BENCH_HOSTS ?= 20

export PATH := $(CURDIR)/$(BIN):/usr/sbin:/usr/bin:/sbin:/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# The demo's runs use the test harness's preload callback too (tests/plugins/callback:
# plugins loaded once, before Ansible forks its workers); ansible.cfg, the collection's
# own, does not enable it. make test and make bench enable it in tests/run.py and tests/bench.
demo demo-down: export ANSIBLE_CALLBACK_PLUGINS := $(CURDIR)/tests/plugins/callback
demo demo-down: export ANSIBLE_CALLBACKS_ENABLED := preload

.PHONY: help demo demo-alert demo-down test lint unit package compat molecule setup venv link engine images mirror bench dashboards

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

demo: setup ## Bring the whole stack up in local systemd containers (site.yml + demo inventory)
	$(BIN)/ansible-playbook -i $(DEMO_INVENTORY) demo/up.yml
	$(BIN)/ansible-playbook -i $(DEMO_INVENTORY) demo/services.yml
	$(BIN)/ansible-playbook -i $(DEMO_INVENTORY) site.yml
	$(BIN)/ansible-playbook -i $(DEMO_INVENTORY) demo/info.yml

demo-alert: venv ## Walk an alert through the demo: Redis down, RedisDown firing, notified, resolved
	@# monitoring_tls: Prometheus over TLS from the demo's private CA, with a password (read from the inventory).
	PROMETHEUS_PASSWORD="$$($(BIN)/ansible-inventory -i $(DEMO_INVENTORY) --host demo-monitor \
	  | $(BIN)/python -c 'import json, sys; print(next(iter(json.load(sys.stdin)["prometheus_web_basic_auth_users"].values())))')" \
	$(BIN)/python -m tools.demo_alert --prometheus https://127.0.0.1:9090 --sinks http://127.0.0.1:8081 \
	  --container plugspace-demo-data --instance demo-data --ca-file inventory/pki/demo/ca.crt --user admin

demo-down: ## Remove the demo containers and network
	$(BIN)/ansible-playbook -i $(DEMO_INVENTORY) demo/down.yml

test: setup ## Everything CI checks: lint, unit tests, packaging checks, every Molecule scenario
	$(BIN)/python tests/run.py

lint: venv link ## Linters only
	$(BIN)/python tests/run.py --stage lint

unit: venv link mirror ## Python unit tests and promtool rule tests only
	$(BIN)/python tests/run.py --stage unit

package: setup ## Packaging checks on the built collection: sanity, galaxy-importer, EE context, Galaxy user's run
	$(BIN)/python tests/run.py --stage package

compat: setup ## The unit tests and the stack on the oldest ansible-core requires_ansible allows and the newest
	$(BIN)/python tests/run.py --stage compat

molecule: setup ## Molecule scenarios only (SCENARIO=name for one)
	$(BIN)/python tests/run.py --stage molecule $(if $(SCENARIO),--scenario $(SCENARIO))

bench: setup ## Time converge, no-op re-run and check mode (not part of make test; BENCH_HOSTS=50 sizes the fleet)
	$(BIN)/python tests/bench/bench_targets.py
	$(BIN)/python tests/bench/bench_site.py --hosts "$(BENCH_HOSTS)"

dashboards: venv ## Regenerate the Grafana dashboards from dashboards/
	$(BIN)/python -m dashboards.build --out roles/grafana/files/dashboards

setup: venv link engine images mirror

venv: $(REQ_STAMP)

$(REQ_STAMP): requirements.txt requirements-dev.txt
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	  echo "installing python3-venv"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

link: $(COLLECTION_LINK)

# The repository is the collection: make it resolvable as plugspace.monitoring.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

engine:
	@tests/docker/ensure-engine.sh

images: engine
	@tests/images/build.sh bookworm trixie bookworm-packaged

mirror: venv
	@$(BIN)/python tests/mirror/build_mirror.py --out .cache/mirror --tools .cache/bin
