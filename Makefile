# Build, test and lint the contrast binary. Bun comes from node_modules (npm package `bun`).

BUN      := node_modules/.bin/bun
TSC      := node_modules/.bin/tsc
BIOME    := node_modules/.bin/biome
VERSION  := $(shell node -p "require('./package.json').version")
COMMIT   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
SOURCES  := $(shell find src runtime -type f 2>/dev/null)

.PHONY: all build test test-integration test-long lint fmt ci bench clean

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: dist/contrast

dist/contrast: node_modules/.package-lock.json $(SOURCES)
	@mkdir -p dist
	$(BUN) build --compile src/main.ts --outfile dist/contrast \
	  --define 'CONTRAST_VERSION="$(VERSION)"' \
	  --define 'CONTRAST_COMMIT="$(COMMIT)"' \
	  --define 'CONTRAST_BUILD_TIME="$(shell date -u +%Y-%m-%dT%H:%M:%SZ)"'

# Unit and integration tests (a couple of minutes). JUNIT=path writes a JUnit report too.
# test/integration/ (slow, privileged) is left to test-integration.
test: node_modules/.package-lock.json
	$(BUN) test --timeout 30000 --path-ignore-patterns 'test/integration/**' $(if $(JUNIT),--reporter=junit --reporter-outfile=$(JUNIT)) $(TESTS)

# Slow and privileged tests (root, network namespaces, iptables); each skips with a printed reason when it cannot run.
# Sizes: CONTRAST_MESH_E2E_CONNS / CONTRAST_MESH_E2E_BYTES (defaults: the acceptance values, 100 x 100 MiB).
test-integration: node_modules/.package-lock.json
	$(BUN) test --timeout 1800000 $(if $(JUNIT),--reporter=junit --reporter-outfile=$(JUNIT)) test/integration

lint: node_modules/.package-lock.json
	$(TSC) --noEmit -p tsconfig.json
	$(BIOME) check .

fmt: node_modules/.package-lock.json
	$(BIOME) check --write .

ci: lint test build

bench: node_modules/.package-lock.json
	@for f in bench/*.bench.ts; do echo "== $$f"; $(BUN) run $$f || exit 1; done

clean:
	rm -rf dist

# OCI images without a Docker daemon (umoci + skopeo): dist/images/<name>, digests printed. images-check verifies them.
.PHONY: images images-check runtime-lock-check runtime-pin
images: dist/contrast
	bash images/build.sh

images-check:
	bash images/check.sh

# Runtime locks: check they match runtime/kata templates; pin artifacts present under runtime/artifacts/<platform>/.
runtime-lock-check: node_modules/.package-lock.json
	$(BUN) runtime/pin-artifacts.ts --check

runtime-pin: node_modules/.package-lock.json
	$(BUN) runtime/pin-artifacts.ts

# The whole product on the simulated TEE with the built binary: sim → generate → Coordinator → set → Initializer → verify.
.PHONY: demo
demo: dist/contrast
	$(BUN) test/e2e/demo.ts

# Firmware from pinned Debian packages (deb: lock sources), placed under runtime/artifacts/ after its SRI verifies,
# and the reference values computed from it (runtime/reference-values.json, embedded by generate). The check target
# recomputes them and fails naming every stale value (CI).
.PHONY: runtime-artifacts runtime-reference-values runtime-reference-values-check
runtime-artifacts: node_modules/.package-lock.json
	$(BUN) runtime/fetch-artifacts.ts

runtime-reference-values: runtime-artifacts
	$(BUN) runtime/compute-reference-values.ts

runtime-reference-values-check: runtime-artifacts
	$(BUN) runtime/compute-reference-values.ts --check
