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
	@echo "make demo                 set up, build, and run the examples in corpus/asm/"
	@echo "make test                 set up, build, eslint, prettier --check, tsc, vitest"
	@echo "make build                compile src/ to dist/"
	@echo "make lint | format        eslint . | prettier --write ."
	@echo "make conformance          bpf_conformance suite in process, engines: $(ENGINES)"
	@echo "make conformance-plugin   the same through bin/bpf-conformance-plugin, one process per test"
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

# Each example with the input memory it runs on (hex bytes; '' for none).
DEMO_EXAMPLES := \
  "sum.s|01 02 03 04 05" \
  "fib.s|5a" \
  "checksum.s|45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7" \
  "calls.s|" \
  "filter.s|$$(cat corpus/asm/filter.mem)"

demo: build
	@mkdir -p $(DEMO_DIR)
	@echo "== assemble corpus/asm/sum.s (one 64-bit instruction word per line)"
	$(CLI) asm corpus/asm/sum.s
	$(CLI) asm corpus/asm/sum.s -o $(DEMO_DIR)/sum.bin
	@echo
	@echo "== disassemble the bytecode again"
	$(CLI) disasm $(DEMO_DIR)/sum.bin --pcs --labels
	@echo
	@echo "== run every example (engines: $(ENGINES))"
	@for example in $(DEMO_EXAMPLES); do \
	  file=$${example%%|*}; mem=$${example#*|}; \
	  for engine in $(ENGINES); do \
	    printf '  %-12s %-7s r0 = %s\n' "$$file" "$$engine" \
	      "$$($(CLI) run corpus/asm/$$file --engine $$engine --mem-hex "$$mem")"; \
	  done; \
	done
	@echo
	@echo "== trace of corpus/asm/calls.s (slot, [call depth] instruction, registers changed)"
	$(CLI) run corpus/asm/calls.s --trace
	@echo
	@echo "== the same run as JSON"
	$(CLI) run corpus/asm/sum.s --mem-hex "01 02 03 04 05" --json

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

# Benchmarks (bench/run.ts, benchmark.js): the bench/programs/*.s in both engines and the JIT's
# compile time per instruction; prints a table and writes bench/results.json. Compiled with tsc
# into node_modules/.cache (ignored by git and eslint), marked as ESM there.
bench: deps
	npx tsc -p bench/tsconfig.json
	echo '{"type":"module"}' > node_modules/.cache/ebpf-wasm-bench/package.json
	cp src/runtime/maps/maps.wat node_modules/.cache/ebpf-wasm-bench/src/runtime/maps/
	node --expose-gc node_modules/.cache/ebpf-wasm-bench/bench/run.js
	node node_modules/.cache/ebpf-wasm-bench/bench/maps.js
	node node_modules/.cache/ebpf-wasm-bench/bench/verify.js

clean:
	rm -rf dist coverage
