# ebpf-wasm: set-up, build, checks and demos. Every target works on a fresh clone: the first one
# that needs node_modules runs `npm ci` (which also builds dist/ through `prepare`).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CLI := node bin/ebpf-wasm.js
PLUGIN := bin/bpf-conformance-plugin
CONFORMANCE_DIR ?= ../shared/conformance/tests
# The JIT joins the engine list as soon as its stage exists.
ENGINES := interp $(if $(wildcard src/jit/index.ts),jit)
DEMO_DIR := dist/demo

.PHONY: help deps build test lint format typecheck demo conformance conformance-plugin bench clean

help:
	@echo "make demo                 set up, build, run an asm example and ebpf-wasm demo (corpus objects)"
	@echo "make test                 set up, build, eslint, prettier --check, tsc, vitest"
	@echo "make build                compile src/ to dist/"
	@echo "make lint | format        eslint . | prettier --write ."
	@echo "make conformance          bpf_conformance suite in process, engines: $(ENGINES)"
	@echo "make conformance-plugin   the same through bin/bpf-conformance-plugin, one process per test"
	@echo "make bench                benchmarks: kernels in every engine and native C, maps, verifier, start-up"
	@echo "make clean                remove dist/ and coverage/"

deps:
	@if [ ! -d node_modules ]; then echo "== npm ci"; npm ci; fi

build: deps
	npm run build

lint: deps
	npx eslint .

format: deps
	npx prettier --write .

typecheck: deps
	npx tsc --noEmit -p .

test: build
	npx eslint .
	npx prettier --check .
	npx tsc --noEmit -p .
	npx vitest run

# The assembly part stays short: one corpus/asm example assembled and run in each engine. The
# main part is `ebpf-wasm demo`: corpus objects loaded, verified, compiled, run on the kernel's
# sample packets in both engines (checked against the kernel's results) and timed.
demo: build
	@mkdir -p $(DEMO_DIR)
	@echo "== assemble corpus/asm/sum.s to bytecode, disassemble it, run it in each engine"
	$(CLI) asm corpus/asm/sum.s -o $(DEMO_DIR)/sum.bin
	$(CLI) disasm $(DEMO_DIR)/sum.bin --pcs --labels
	@for engine in $(ENGINES); do \
	  printf '  sum.s %-7s r0 = %s\n' "$$engine" \
	    "$$($(CLI) run corpus/asm/sum.s --engine $$engine --mem-hex '01 02 03 04 05')"; \
	done
	@echo
	@echo "== ebpf-wasm demo: corpus objects through the verifier, the JIT and both engines"
	$(CLI) demo --out-dir $(DEMO_DIR)

# In process: every .data file on each engine. Prints FAIL lines and `N passed, M failed`.
conformance: build
	@if [ ! -d "$(CONFORMANCE_DIR)" ]; then \
	  echo "conformance: $(CONFORMANCE_DIR) not found, skipped"; exit 0; fi; \
	status=0; \
	for engine in $(ENGINES); do \
	  echo "== conformance, $$engine engine, in process"; \
	  $(CLI) conformance "$(CONFORMANCE_DIR)" --engine $$engine | grep -v '^PASS ' || status=1; \
	done; \
	exit $$status

# Through the plugin, one process per test, exactly as bpf_conformance_runner drives it.
conformance-plugin: build
	@if [ ! -d "$(CONFORMANCE_DIR)" ]; then \
	  echo "conformance-plugin: $(CONFORMANCE_DIR) not found, skipped"; exit 0; fi; \
	status=0; \
	for engine in $(ENGINES); do \
	  echo "== conformance, $$engine engine, through $(PLUGIN)"; \
	  $(CLI) conformance "$(CONFORMANCE_DIR)" --plugin $(PLUGIN) --engine $$engine \
	    | grep -v '^PASS ' || status=1; \
	done; \
	exit $$status

# Benchmarks (bench/run.ts, benchmark.js): the compute kernels of bench/programs/*.s in every
# engine of bench/engines.ts next to the same algorithms in C built with cc -O2 (skipped without
# a C compiler), the JIT's compile time per instruction, then maps, verification and start-up
# (bench/runtime-load.ts: the light runtime against the full package, in fresh processes); prints
# tables, writes bench/results.json and draws bench/results.svg (bench/chart.ts). Compiled with
# tsc into node_modules/.cache (ignored by git and eslint), marked as ESM there. BENCH_MAX_TIME,
# BENCH_ROUNDS, BENCH_KERNELS, BENCH_ENGINES, BENCH_NATIVE=0: see bench/run.ts.
BENCH_OUT := node_modules/.cache/ebpf-wasm-bench
bench: build
	npx tsc -p bench/tsconfig.json
	echo '{"type":"module"}' > $(BENCH_OUT)/package.json
	cp src/runtime/maps/maps.wat $(BENCH_OUT)/src/runtime/maps/
	node --expose-gc $(BENCH_OUT)/bench/run.js
	node $(BENCH_OUT)/bench/chart.js
	node $(BENCH_OUT)/bench/corpus.js
	node $(BENCH_OUT)/bench/maps.js
	node $(BENCH_OUT)/bench/overhead.js
	node $(BENCH_OUT)/bench/verify.js
	node $(BENCH_OUT)/bench/runtime-load.js

clean:
	rm -rf dist coverage
