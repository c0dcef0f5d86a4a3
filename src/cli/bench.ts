// `ebpf-wasm bench FILE`: time one program warm on one engine and print the median ns per run.
// A raw program (assembly, bytecode, hex words, .data) runs through a Vm as `run` does; an ELF
// object's program runs through `VmObject.run` on its context, on the same packet every time.
//
// Method: compile once on the fresh Vm/object and time it (verify + prepare; for the JIT that is
// translate + instantiate). Then warm up (V8 runs fresh Wasm on its baseline tier and tiers up
// within 1-30 ms; the interpreter's switch needs its cases seen), then time batches of N runs
// with process.hrtime.bigint, doubling N until one batch takes >= BATCH_NS (so the timer's cost
// and resolution vanish), and repeat such batches until --min-time has passed. The median batch
// divided by N is the result: a median ignores the batches a GC or a deopt landed in. A batch
// that takes under half of BATCH_NS means the code got faster after N was chosen (a late
// tier-up): N doubles and the batches so far are dropped (the --min-time clock keeps running).

import { ensureEngine, ENGINE_NAMES } from '../conformance/engines.js';
import { hex64, parseHexBytes } from '../conformance/hex.js';
import { BpfError } from '../errors.js';
import type { ContextInput } from '../runtime/context/index.js';
import { contextOf } from '../runtime/context/index.js';
import type { EngineName } from '../runtime/engine.js';
import { DEFAULT_DATA_CAPACITY } from '../runtime/layout.js';
import type { VmObject } from '../runtime/object/index.js';
import { Vm } from '../vm.js';
import {
  type CommandSpec,
  countOpt,
  flagOpt,
  type ParsedArgs,
  stringOpt,
  usageError,
} from './args.js';
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
    '(--packet-hex for xdp, tc and socket programs). Compile time (verify + prepare; the JIT\n' +
    'translates and instantiates) is measured once first; then a warm-up, then batches of runs\n' +
    'until --min-time passes. A run is a whole Vm run as `run` does it: input copy, stack clear,\n' +
    'context setup and result included.\n' +
    'ELF: every timed run gets the same packet, but maps carry their state from run to run (a\n' +
    'counter keeps counting, an LRU map fills), as repeated BPF_PROG_TEST_RUN calls would.',
  positionals: [{ name: 'FILE', help: 'the program, or an ELF object' }],
  options: [
    {
      name: 'engine',
      value: 'string',
      valueName: ENGINE_NAMES.join('|'),
      help: 'engine (default jit)',
    },
    {
      name: 'program',
      value: 'string',
      valueName: 'NAME',
      help: 'ELF: the program (needed when the object has more than one)',
    },
    { name: 'type', value: 'string', valueName: 'TYPE', help: `ELF: override the ${TYPE_HELP}` },
    { name: 'packet-hex', value: 'string', valueName: 'HEX', help: 'ELF: the packet of every run' },
    {
      name: 'mem',
      value: 'string',
      valueName: 'FILE',
      help: 'input memory: bytes of FILE (ELF: raw memory, or a tracing context)',
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
  ],
};

/** One benchmark subject: compiled, ready to run again and again. */
interface Subject {
  readonly compileMs: number;
  /** One run; returns r0. */
  readonly run: () => bigint;
}

export interface BenchResult {
  readonly engine: EngineName;
  readonly nsPerRun: number;
  /** Timed runs (warm-up and calibration not counted). */
  readonly runs: number;
  readonly batches: number;
  /** r0 of the last run. */
  readonly r0: bigint;
  readonly compileMs: number;
}

function parseEngine(text: string | undefined): EngineName {
  if (text === undefined) return 'jit';
  if (text === 'aot') {
    throw new BpfError(
      'cli',
      'UNSUPPORTED',
      'bench: --engine aot is not available yet (AOT output is a later step); use jit or interp',
    );
  }
  const engine = ENGINE_NAMES.find((e) => e === text);
  if (engine === undefined) {
    throw usageError(`bench: --engine must be one of ${ENGINE_NAMES.join(', ')}, not '${text}'`);
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

/** The program `--program` names, or the only one; a usage error when that is ambiguous. */
function programName(obj: VmObject, file: string, name: string | undefined): string {
  if (name !== undefined) return obj.program(name).name;
  const [only, ...more] = obj.programs;
  if (only !== undefined && more.length === 0) return only.name;
  throw usageError(
    `bench: ${file} has ${obj.programs.length} programs: name one with --program (have: ${obj.programs.map((p) => p.name).join(', ')})`,
  );
}

function objectSubject(
  file: string,
  bytes: Uint8Array,
  args: ParsedArgs,
  io: CliIo,
  engine: EngineName,
  verify: boolean,
): Subject {
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('bench', typeText) : undefined;
  const obj = openObject(bytes, { engine, verify, type });
  const name = programName(obj, file, stringOpt(args, 'program'));
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
  const t0 = process.hrtime.bigint();
  obj.prepare(name);
  const compileMs = msSince(t0);
  return { compileMs, run: () => obj.run(name, input).r0 };
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
  const engine = parseEngine(stringOpt(args, 'engine'));
  const verify = !flagOpt(args, 'no-verify');
  const minTimeMs = countOpt(args, 'min-time') ?? DEFAULT_MIN_TIME_MS;
  const bytes = io.readFile(file);
  await ensureEngine(engine);

  let subject: Subject;
  if (isElf(bytes)) {
    subject = objectSubject(file, bytes, args, io, engine, verify);
  } else {
    for (const opt of ['program', 'type', 'packet-hex'] as const) {
      if (args.values.has(opt)) throw usageError(`bench: --${opt} is for ELF objects`);
    }
    const loose = loadLoose(file, bytes);
    const input = memOption(args, io) ?? loose.mem ?? new Uint8Array(0);
    subject = looseSubject(loose, input, engine, verify);
  }

  const m = measure(subject.run, minTimeMs);
  const result: BenchResult = { engine, ...m, compileMs: subject.compileMs };
  io.stdout((flagOpt(args, 'json') ? benchJson(result) : benchLine(result)) + '\n');
  return 0;
}
