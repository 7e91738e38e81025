# Build, test and lint the contrast binary. Bun comes from node_modules (npm package `bun`).

BUN      := node_modules/.bin/bun
TSC      := node_modules/.bin/tsc
BIOME    := node_modules/.bin/biome
VERSION  := $(shell node -p "require('./package.json').version")
COMMIT   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# Build time = the commit's time (or SOURCE_DATE_EPOCH): the same commit compiles to the same bytes, so images repeat.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
SOURCES  := $(shell find src runtime -type f 2>/dev/null)

.PHONY: all build test test-integration test-hard lint fmt ci bench bench-results clean

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: dist/contrast

# Each command's modules in a chunk of their own, read only when the command runs, and compiled to bytecode ahead of
# time: `contrast --version` and `--help` start about as fast as an empty Bun binary (issue 13; bench/cold-start).
COMPILE_FLAGS := --splitting --bytecode --format=esm

dist/contrast: node_modules/.package-lock.json $(SOURCES)
	@mkdir -p dist
	$(BUN) build --compile $(COMPILE_FLAGS) src/main.ts --outfile dist/contrast \
	  --define 'CONTRAST_VERSION="$(VERSION)"' \
	  --define 'CONTRAST_COMMIT="$(COMMIT)"' \
	  --define 'CONTRAST_BUILD_TIME="$(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)"' \
	  --define "CONTRAST_LOCK_SUFFIXES=\"$$($(BUN) tools/lock-suffixes.ts)\""

# `make test`: the unit tests (everything under test/ but e2e/, integration/ and hard/), fast enough to run often.
# `make test-integration`: whole-system runs on loopback (test/e2e), image builds, network namespaces (test/integration).
# `make test-hard`: the hardening suite (test/hard) against the built binary: crashes, disk faults, load, soak, fuzzing;
# each test prints its figures as `HARD <name> {json}` (HARD_RESULTS=path collects them). CONTRAST_HARD_SOAK_SECONDS
# (default 300), CONTRAST_HARD_CRASH_ITERATIONS (100), CONTRAST_HARD_LOAD_INITIALIZERS (1000), CONTRAST_HARD_SEED (15).
# Mesh acceptance sizes: CONTRAST_MESH_E2E_CONNS / CONTRAST_MESH_E2E_BYTES (default 100 x 100 MiB).
# JUNIT=path writes a JUnit report too. TESTS=path narrows either target.
UNIT_IGNORE := --path-ignore-patterns='test/e2e/**' --path-ignore-patterns='test/integration/**' \
  --path-ignore-patterns='test/hard/**'
test: node_modules/.package-lock.json
	$(BUN) test --timeout 30000 $(UNIT_IGNORE) $(if $(JUNIT),--reporter=junit --reporter-outfile=$(JUNIT)) $(TESTS)

test-integration: node_modules/.package-lock.json
	$(BUN) test --timeout 1800000 $(if $(JUNIT),--reporter=junit --reporter-outfile=$(JUNIT)) $(or $(TESTS),test/e2e test/integration)

test-hard: dist/contrast
	CONTRAST_HARD_RESULTS=$(HARD_RESULTS) $(BUN) test --timeout 1200000 $(if $(JUNIT),--reporter=junit --reporter-outfile=$(JUNIT)) $(or $(TESTS),test/hard)

# `make lint` also checks the import boundaries: which folder of src/ may import which, and which packages
# (tools/check-imports.ts; the rules are in the README's development section).
lint: node_modules/.package-lock.json
	$(TSC) --noEmit -p tsconfig.json
	$(BIOME) check .
	$(BUN) tools/check-imports.ts

fmt: node_modules/.package-lock.json
	$(BIOME) check --write .

ci: lint test test-integration build test-hard

# `make bench`: every bench/*.bench.ts in its own process, each figure beside its baseline from the same run (BENCH=name
# narrows it, e.g. BENCH=admissions). `make bench-results` does the same and rewrites bench/RESULTS.md.
bench: node_modules/.package-lock.json
	$(BUN) run bench/run.ts $(BENCH)

bench-results: node_modules/.package-lock.json
	$(BUN) run bench/run.ts --results bench/RESULTS.md $(BENCH)

clean:
	rm -rf dist

# OCI images without a Docker daemon (umoci + skopeo): dist/images/<name>, digests printed. images-check verifies them.
.PHONY: images images-check runtime-lock-check runtime-pin
images: dist/contrast
	bash images/build.sh

images-check:
	bash images/check.sh

# A release a cluster can pull: images built and pushed (skopeo), then dist/release/contrast compiled with their
# digests. REGISTRY=host[:port]/path (required), VERSION (default package.json), AUTHFILE, TLS_VERIFY=false; see
# images/release.sh. Credentials go to skopeo only and are never printed.
.PHONY: release
release: node_modules/.package-lock.json
	@REGISTRY="$(REGISTRY)" VERSION="$(VERSION)" bash images/release.sh

# Runtime locks: check they match runtime/kata templates; pin artifacts present under runtime/artifacts/<platform>/.
runtime-lock-check: node_modules/.package-lock.json
	$(BUN) runtime/pin-artifacts.ts --check

runtime-pin: node_modules/.package-lock.json
	$(BUN) runtime/pin-artifacts.ts

# The whole product on the simulated TEE (demo/): the product's images under runc, one network namespace per pod, the
# mesh between two pods, a Coordinator restart and recover. Where runc or network namespaces are unavailable (not root,
# missing tools) `make demo` says why and runs the process demo instead; `demo-containers` fails instead (CI).
# ARGS=--keep (or DEMO_KEEP=1) leaves it running and prints how to poke at it; `make demo-clean DIR=<run dir>` undoes it.
.PHONY: demo demo-containers demo-processes demo-clean
demo: dist/contrast
	$(BUN) demo/main.ts $(ARGS)

demo-containers: dist/contrast
	$(BUN) demo/main.ts --containers $(ARGS)

demo-processes: dist/contrast
	$(BUN) demo/main.ts --processes

demo-clean: node_modules/.package-lock.json
	$(BUN) demo/main.ts --cleanup "$(DIR)"

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
