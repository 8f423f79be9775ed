# The front door. `make run` starts Switchyard locally; `make test` runs every test.
# Both install what is missing first (Debian and npm packages), so they work on a fresh
# Debian 12 machine.

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc)
export NODE_PATH := /usr/share/nodejs
FUZZ_SECONDS ?= 10

.PHONY: run test deps native native-release browser worker js fuzz-build fuzz fuzz-long bench catalog clean

deps:
	@scripts/install-deps.sh

# ---- builds --------------------------------------------------------------------------------
native: deps
	@cmake --preset native-debug >/dev/null
	@cmake --build build/native-debug -j$(JOBS)

native-release: deps
	@cmake --preset native-release >/dev/null
	@cmake --build build/native-release -j$(JOBS)

browser: deps
	@cmake --preset browser >/dev/null
	@cmake --build build/browser -j$(JOBS)

worker: deps
	@cmake --preset worker >/dev/null
	@cmake --build build/worker -j$(JOBS)

# The npm package's dist/: both wasm builds and the Emscripten loader.
js: browser worker
	@node js/scripts/build.mjs >/dev/null

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j$(JOBS)

# ---- the two front-door commands -----------------------------------------------------------
# Only the wasm modules (not the test and benchmark executables of those build trees): the
# WASI core the worker runs, and the Emscripten ones (js/dist) the playground and the routing
# simulator pages run.
run: deps
	@cmake --preset browser >/dev/null
	@cmake --build build/browser -j$(JOBS) --target switchyard_browser switchyard_simulator
	@cmake --preset worker >/dev/null
	@cmake --build build/worker -j$(JOBS) --target switchyard_worker
	@node js/scripts/build.mjs >/dev/null
	@scripts/run.sh

test: native js fuzz-build
	@echo "== core suites, native (ASan + UBSan) =="
	@ctest --test-dir build/native-debug --output-on-failure -j$(JOBS)
	@echo "== core suites, Emscripten wasm under node =="
	@ctest --test-dir build/browser --output-on-failure -j$(JOBS)
	@echo "== fuzz targets, $(FUZZ_SECONDS) s each =="
	@scripts/fuzz.sh $(FUZZ_SECONDS)
	@echo "== JS suites (node --test) =="
	@node --test --test-concurrency=2 --test-timeout=180000 --test-force-exit tests/js/
	@echo "== browser suites (headless Chromium: the npm package in a page, the simulator page) =="
	@node --test --test-concurrency=1 --test-timeout=60000 --test-force-exit tests/browser/

# ---- longer-running extras -----------------------------------------------------------------
fuzz-long: fuzz-build
	@scripts/fuzz.sh 600

bench: native-release js
	@scripts/bench.sh

catalog:
	@node scripts/gen-catalog.mjs

clean:
	rm -rf build
