// `ebpf-wasm bench FILE`: time one program warm on one engine and print the median ns per run.
// A raw program (assembly, bytecode, hex words, .data) runs through a Vm as `run` does; an ELF
// object's program runs through `VmObject.run` on its context, on the same packet every time.
// `--engine aot` compiles the object (or the program, as a one-program object) ahead of time in
// process and runs it on the light runtime's AotObject; an AOT module (.wasm) runs there too.
//
// Method: compile once on the fresh Vm/object and time it (verify + prepare; for the JIT that is
// translate + instantiate; for aot, the AOT compile of the object + WebAssembly compile +
// instantiate; for a .wasm, WebAssembly compile + instantiate). Then warm up (V8 runs fresh Wasm on its baseline tier and tiers up
// within 1-30 ms; the interpreter's switch needs its cases seen), then time batches of N runs
// with process.hrtime.bigint, doubling N until one batch takes >= BATCH_NS (so the timer's cost
// and resolution vanish), and repeat such batches until --min-time has passed. The median batch
// divided by N is the result: a median ignores the batches a GC or a deopt landed in. A batch
// that takes under half of BATCH_NS means the code got faster after N was chosen (a late
// tier-up): N doubles and the batches so far are dropped (the --min-time clock keeps running).

import { basename } from 'node:path';
import { ensureEngine, ENGINE_NAMES } from '../conformance/engines.js';
import { hex64, parseHexBytes } from '../conformance/hex.js';
import type { ContextInput } from '../runtime/context/index.js';
import { contextOf } from '../runtime/context/index.js';
import type { EngineName } from '../runtime/engine.js';
import { DEFAULT_DATA_CAPACITY } from '../runtime/layout.js';
import type { ObjectEngine, ObjectRuntime } from '../runtime/object/runtime.js';
import { Vm } from '../vm.js';
import {
  type CommandSpec,
  countOpt,
  flagOpt,
  type ParsedArgs,
  stringOpt,
  usageError,
} from './args.js';
import { compileForRun, compileLooseAot, isWasm, onlyProgramName, openAot } from './aot.js';
import type { CliIo } from './io.js';
import {
  isElf,
  loadLoose,
  type LooseProgram,
  openObject,
  parseProgType,
  TYPE_HELP,
} from './object.js';

export const DEFAULT_MIN_TIME_MS = 1000;
/** A batch must last this long before its time means something (hrtime costs ~50 ns). */
const BATCH_NS = 5_000_000n;
/** Fewest timed batches a median is taken over, however long each one is. */
const MIN_BATCHES = 5;
/**
 * Warm-up time: a quarter of --min-time within these bounds. JIT code tiers up within 1-30 ms,
 * but the JS around it (Vm.run, the context setup) takes TurboFan longer on a busy machine.
 */
const WARMUP_MIN_MS = 100;
const WARMUP_MAX_MS = 500;
/** Fewest warm-up runs, for programs so slow that the warm-up time passes in a few runs. */
const MIN_WARMUP_RUNS = 100;

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary:
    'Time a program warm and print the median ns per run.\n' +
    'FILE is what `run` takes: assembly, raw bytecode, hex words or a .data file (input from\n' +
    '--mem/--mem-hex or the .data file), or an ELF object whose --program runs on its context\n' +
    '(--packet-hex for xdp, tc and socket programs), or an AOT module (.wasm, engine aot).\n' +
    'Compile time (verify + prepare; the JIT translates and instantiates; aot compiles the\n' +
    'whole object ahead of time, then WebAssembly compiles and instantiates it; a .wasm is only\n' +
    'compiled and instantiated) is measured once first; then a warm-up, then batches of runs\n' +
    'until --min-time passes. A run is a whole Vm run as `run` does it: input copy, stack clear,\n' +
    'context setup and result included.\n' +
    'ELF: every timed run gets the same packet, but maps carry their state from run to run (a\n' +
    'counter keeps counting, an LRU map fills), as repeated BPF_PROG_TEST_RUN calls would.',
  positionals: [{ name: 'FILE', help: 'the program, an ELF object, or an AOT module (.wasm)' }],
  options: [
    {
      name: 'engine',
      value: 'string',
      valueName: [...ENGINE_NAMES, 'aot'].join('|'),
      help: 'engine (default jit; aot for a .wasm)',
    },
    {
      name: 'program',
      value: 'string',
      valueName: 'NAME',
      help: 'ELF/.wasm: the program (needed when there is more than one)',
    },
    { name: 'type', value: 'string', valueName: 'TYPE', help: `ELF: override the ${TYPE_HELP}` },
    {
      name: 'packet-hex',
      value: 'string',
      valueName: 'HEX',
      help: 'ELF/.wasm: the packet of every run',
    },
    {
      name: 'mem',
      value: 'string',
      valueName: 'FILE',
      help: 'input memory: bytes of FILE (ELF/.wasm: raw memory, or a tracing context)',
    },
    { name: 'mem-hex', value: 'string', valueName: 'HEX', help: "input memory: hex ('aa bb 11')" },
    {
      name: 'min-time',
      value: 'count',
      valueName: 'MS',
      help: `time batches for at least MS milliseconds (default ${DEFAULT_MIN_TIME_MS})`,
    },
    { name: 'json', help: 'print {engine, nsPerRun, runs, r0, compileMs} as JSON' },
    { name: 'no-verify', help: 'run without verifying first (memory stays confined to the VM)' },
  ],
  notes: [
    'Output: `jit: 23.4 ns/run (median of 41 batches, 1,310,720 runs), r0=0x2, compile 3.1 ms`.',
    'With --json: {"engine":"jit","nsPerRun":23.4,"runs":1310720,"r0":"0x2","compileMs":3.1}',
    '(runs: the timed runs; r0: of the last run).',
    '',
    'Examples:',
    '  ebpf-wasm bench corpus/asm/sum.s --mem-hex "01 02 03 04" --engine interp',
    '  ebpf-wasm bench corpus/obj/xdp_firewall.o --packet-hex 00aa.. --json',
    '  ebpf-wasm bench corpus/obj/xdp_firewall.o --packet-hex 00aa.. --engine aot',
    '  ebpf-wasm bench fw.wasm --packet-hex 00aa..',
  ],
};

/** One benchmark subject: compiled, ready to run again and again. */
interface Subject {
  readonly compileMs: number;
  /** One run; returns r0. */
  readonly run: () => bigint;
}

export interface BenchResult {
  readonly engine: ObjectEngine;
  readonly nsPerRun: number;
  /** Timed runs (warm-up and calibration not counted). */
  readonly runs: number;
  readonly batches: number;
  /** r0 of the last run. */
  readonly r0: bigint;
  readonly compileMs: number;
}

function parseEngine(text: string | undefined, fallback: ObjectEngine): ObjectEngine {
  if (text === undefined) return fallback;
  if (text === 'aot') return 'aot';
  const engine = ENGINE_NAMES.find((e) => e === text);
  if (engine === undefined) {
    throw usageError(
      `bench: --engine must be one of ${[...ENGINE_NAMES, 'aot'].join(', ')}, not '${text}'`,
    );
  }
  return engine;
}

/** `--mem FILE` or `--mem-hex HEX` (not both), or undefined. */
function memOption(args: ParsedArgs, io: CliIo): Uint8Array | undefined {
  const memFile = stringOpt(args, 'mem');
  const memHex = stringOpt(args, 'mem-hex');
  if (memFile !== undefined && memHex !== undefined) {
    throw usageError('bench: give --mem or --mem-hex, not both');
  }
  if (memFile !== undefined) return io.readFile(memFile);
  if (memHex !== undefined) return parseHexBytes(memHex, '--mem-hex');
  return undefined;
}

function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A raw program on a fresh Vm with the helpers `run` would give it, verified for its input. */
function looseSubject(
  loose: LooseProgram,
  input: Uint8Array,
  engine: EngineName,
  verify: boolean,
): Subject {
  // memSize makes `load` verify and prepare at once, so that is what gets timed.
  const vm = new Vm({
    engine,
    verify,
    memSize: input.length,
    dataCapacity: Math.max(DEFAULT_DATA_CAPACITY, input.length),
  });
  for (const h of loose.helpers.list()) vm.registerHelper(h.id, h.fn, h.name);
  const t0 = process.hrtime.bigint();
  vm.load(loose.program);
  const compileMs = msSince(t0);
  return { compileMs, run: () => vm.run(input).r0 };
}

/** A raw program compiled ahead of time as a one-program object, verified for its input. */
async function looseAotSubject(
  file: string,
  loose: LooseProgram,
  input: Uint8Array,
  verify: boolean,
): Promise<Subject> {
  const t0 = process.hrtime.bigint();
  const module = await compileLooseAot(loose, {
    type: 'unspec',
    verify,
    memSize: input.length,
    source: basename(file),
  });
  const obj = openAot(file, module.wasm);
  obj.prepare(loose.name);
  const compileMs = msSince(t0);
  return { compileMs, run: () => obj.run(loose.name, { mem: input }).r0 };
}

/** The program `--program` names, or the only one; a usage error when that is ambiguous. */
function programName(
  programs: readonly { readonly name: string; readonly section: string }[],
  file: string,
  name: string | undefined,
): string {
  if (name === undefined) return onlyProgramName('bench', file, programs);
  // Resolved as ObjectRuntime.program does, so a section name works too; an unknown name is
  // left for it to refuse (PROG_NOT_FOUND).
  return (
    (programs.find((p) => p.name === name) ?? programs.find((p) => p.section === name))?.name ??
    name
  );
}

/**
 * How a program of an object runs in every timed run: the same packet, memory or context, read
 * from the options as `run` reads them.
 */
function objectRun(obj: ObjectRuntime, name: string, args: ParsedArgs, io: CliIo): () => bigint {
  const prog = obj.program(name);
  // As `run` reads its options: memory is a tracing program's context, else raw memory.
  const mem = memOption(args, io);
  const kind = contextOf(prog.type)?.name;
  if (mem !== undefined && (kind === 'xdp' || kind === 'skb')) {
    throw usageError(`bench: ${name} (${prog.type}) takes --packet-hex, not --mem`);
  }
  const packetHex = stringOpt(args, 'packet-hex');
  const input: ContextInput = {
    ...(mem === undefined ? {} : kind === 'tracing' ? { ctx: mem } : { mem }),
    ...(packetHex !== undefined ? { packet: parseHexBytes(packetHex, '--packet-hex') } : {}),
  };
  return () => obj.run(name, input).r0;
}

/** An ELF object's program, on the Vm's engines or compiled ahead of time here. */
async function objectSubject(
  file: string,
  bytes: Uint8Array,
  args: ParsedArgs,
  io: CliIo,
  engine: ObjectEngine,
  verify: boolean,
): Promise<Subject> {
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('bench', typeText) : undefined;
  if (engine === 'aot') {
    const listed = openObject(bytes, { verify: false, type });
    const name = programName(listed.programs, file, stringOpt(args, 'program'));
    listed.program(name);
    const t0 = process.hrtime.bigint();
    const module = await compileForRun(file, bytes, name, { type, verify });
    const obj = openAot(file, module.wasm);
    obj.prepare(name);
    const compileMs = msSince(t0);
    return { compileMs, run: objectRun(obj, name, args, io) };
  }
  const obj = openObject(bytes, { engine, verify, type });
  const name = programName(obj.programs, file, stringOpt(args, 'program'));
  const run = objectRun(obj, name, args, io);
  const t0 = process.hrtime.bigint();
  obj.prepare(name);
  const compileMs = msSince(t0);
  return { compileMs, run };
}

/** A program of an AOT module: compile time is WebAssembly's compile and instantiation. */
function moduleSubject(file: string, bytes: Uint8Array, args: ParsedArgs, io: CliIo): Subject {
  for (const opt of ['type', 'no-verify'] as const) {
    if (args.values.has(opt)) {
      throw usageError(`bench: --${opt} is for ELF objects and programs, not AOT modules`);
    }
  }
  const t0 = process.hrtime.bigint();
  const obj = openAot(file, bytes);
  const compileMs = msSince(t0);
  const name = programName(obj.programs, file, stringOpt(args, 'program'));
  const t1 = process.hrtime.bigint();
  obj.prepare(name);
  return { compileMs: compileMs + msSince(t1), run: objectRun(obj, name, args, io) };
}

/** Run `run` `n` times; the elapsed nanoseconds and the last r0. */
function timeBatch(run: () => bigint, n: number): { ns: bigint; r0: bigint } {
  let r0 = 0n;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) r0 = run();
  return { ns: process.hrtime.bigint() - t0, r0 };
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Warm up, calibrate the batch size, then time batches for `minTimeMs` (see the header). */
export function measure(
  run: () => bigint,
  minTimeMs: number,
): { nsPerRun: number; runs: number; batches: number; r0: bigint } {
  // One run first, so a trap surfaces before any timing.
  let r0 = run();
  const warmNs = BigInt(
    Math.round(Math.min(WARMUP_MAX_MS, Math.max(WARMUP_MIN_MS, minTimeMs / 4)) * 1e6),
  );
  const warmStart = process.hrtime.bigint();
  for (let i = 0; i < MIN_WARMUP_RUNS || process.hrtime.bigint() - warmStart < warmNs; i++) {
    r0 = run();
  }
  let n = 1;
  for (;;) {
    const b = timeBatch(run, n);
    r0 = b.r0;
    if (b.ns >= BATCH_NS) break;
    n *= 2;
  }
  const perBatch: number[] = [];
  const minNs = BigInt(minTimeMs) * 1_000_000n;
  const start = process.hrtime.bigint();
  while (perBatch.length < MIN_BATCHES || process.hrtime.bigint() - start < minNs) {
    const b = timeBatch(run, n);
    r0 = b.r0;
    if (b.ns < BATCH_NS / 2n) {
      // Much faster than when N was chosen: V8 tiered up after the warm-up. The batches so far
      // ran on the slower code and the new ones are too short to time well: start over.
      n *= 2;
      perBatch.length = 0;
      continue;
    }
    perBatch.push(Number(b.ns));
  }
  perBatch.sort((a, b) => a - b);
  return {
    nsPerRun: median(perBatch) / n,
    runs: perBatch.length * n,
    batches: perBatch.length,
    r0,
  };
}

/** `1310720` as `1,310,720` (not toLocaleString: the output must not depend on the locale). */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function benchJson(r: BenchResult): string {
  return JSON.stringify({
    engine: r.engine,
    nsPerRun: round(r.nsPerRun, 3),
    runs: r.runs,
    r0: hex64(r.r0),
    compileMs: round(r.compileMs, 3),
  });
}

export function benchLine(r: BenchResult): string {
  return (
    `${r.engine}: ${r.nsPerRun.toFixed(1)} ns/run (median of ${r.batches} batches, ` +
    `${groupDigits(r.runs)} runs), r0=${hex64(r.r0)}, compile ${r.compileMs.toFixed(1)} ms`
  );
}

export async function benchCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  const wasm = isWasm(bytes);
  const engine = parseEngine(stringOpt(args, 'engine'), wasm ? 'aot' : 'jit');
  const verify = !flagOpt(args, 'no-verify');
  const minTimeMs = countOpt(args, 'min-time') ?? DEFAULT_MIN_TIME_MS;
  if (engine !== 'aot') await ensureEngine(engine);

  let subject: Subject;
  if (wasm) {
    if (engine !== 'aot') {
      throw usageError(`bench: ${file} is an AOT module: it runs on engine aot, not ${engine}`);
    }
    subject = moduleSubject(file, bytes, args, io);
  } else if (isElf(bytes)) {
    subject = await objectSubject(file, bytes, args, io, engine, verify);
  } else {
    for (const opt of ['program', 'type', 'packet-hex'] as const) {
      if (args.values.has(opt)) {
        throw usageError(`bench: --${opt} is for ELF objects and AOT modules`);
      }
    }
    const loose = loadLoose(file, bytes);
    const input = memOption(args, io) ?? loose.mem ?? new Uint8Array(0);
    subject =
      engine === 'aot'
        ? await looseAotSubject(file, loose, input, verify)
        : looseSubject(loose, input, engine, verify);
  }

  const m = measure(subject.run, minTimeMs);
  const result: BenchResult = { engine, ...m, compileMs: subject.compileMs };
  io.stdout((flagOpt(args, 'json') ? benchJson(result) : benchLine(result)) + '\n');
  return 0;
}
