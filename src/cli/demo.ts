// `ebpf-wasm demo [OBJ ...]`: the main job shown end to end on corpus objects. For each object:
// load it and list its programs and maps, verify each program, JIT-compile each, run the
// kernel-recorded sample packets (corpus/golden) in the interpreter and in the JIT on two fresh
// objects set up as the kernel's were (corpus/src/<object>.setup.json), compare both with the
// kernel's r0, show the maps after the runs, and time both engines on the same packets.
// `--json` prints all of it as one object. Exit 1 when anything failed or disagreed.

import { basename, join } from 'node:path';
import { ensureEngine } from '../conformance/engines.js';
import { hex64, hexString } from '../conformance/hex.js';
import { BpfError, CompileError } from '../errors.js';
import type { ProgType } from '../elf/prog-type.js';
import type { EngineName } from '../runtime/engine.js';
import { MapType } from '../runtime/maps/index.js';
import type { ObjectRunResult, VmObject } from '../runtime/object/index.js';
import { Vm } from '../vm.js';
import { type CommandSpec, countOpt, flagOpt, type ParsedArgs, stringOpt } from './args.js';
import {
  applySetup,
  CORPUS_DIR,
  type Golden,
  goldensOf,
  type SamplePacket,
  samplePackets,
  type Setup,
  setupOf,
  setupType,
} from './demo-corpus.js';
import { type EngineTiming, timeEngines } from './demo-timing.js';
import type { CliIo } from './io.js';
import {
  actionName,
  type CompileReport,
  type EngineOutcome,
  type ErrorJson,
  failuresOf,
  isOutcome,
  type MapInfo,
  type ObjectReport,
  type PacketReport,
  type ProgramInfo,
  type RunReport,
  type SpeedReport,
  type VerifyReport,
} from './demo-report.js';
import {
  compileLine,
  ms,
  objectHeader,
  plural,
  runText,
  speedLine,
  summaryText,
  verifyLine,
} from './demo-text.js';
import { dumpMaps } from './map-dump.js';
import { errorJson, isElf } from './object.js';
import { Progress } from './progress.js';

export const DEFAULT_TIME_MS = 500;

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary:
    'Load, verify, compile and run ELF objects on their kernel-recorded sample packets.\n' +
    'For each OBJ (default: a few built-in corpus objects): its programs and maps, the\n' +
    "verifier's verdict, the JIT's output, every sample packet run in the interpreter and the\n" +
    "JIT and compared with the kernel's r0 (corpus/golden), the maps after the runs, and the\n" +
    'measured time per packet of each engine. Exits 1 if anything failed or disagreed.',
  positionals: [
    {
      name: 'OBJ',
      help: 'ELF objects; sample packets come from corpus/golden/<name>.*.json',
      variadic: true,
    },
  ],
  options: [
    {
      name: 'time-ms',
      value: 'count',
      valueName: 'MS',
      help: `time each engine for about MS ms per object (default ${DEFAULT_TIME_MS}; 0: skip)`,
    },
    {
      name: 'corpus',
      value: 'string',
      valueName: 'DIR',
      help: "where obj/, golden/ and src/*.setup.json are (default: the package's corpus/)",
    },
    { name: 'json', help: 'print one JSON object' },
  ],
  notes: [
    'Default objects: xdp_firewall.o (XDP, LPM trie and hash maps), tc_nat.o (tc, checksum',
    "helpers, packet rewriting), tail_calls.o (tail calls), and loops.o's xdp_payload_sum (a",
    "loop: most of a short program's run is the call around it, a loop shows the code itself).",
    '',
    'Objects from elsewhere are loaded, verified and compiled; they are run only when the corpus',
    'has golden files under their name.',
    '',
    'Example: ebpf-wasm demo corpus/obj/counter_array.o --time-ms 200',
  ],
};

interface DemoTarget {
  readonly path: string;
  /** The object file's contents, read (and checked to be ELF) before any work starts. */
  readonly bytes: Uint8Array;
  /** Run only these programs' golden files (all when absent). */
  readonly programs?: readonly string[];
}

/** The built-in objects, each chosen to show something the others do not. */
function defaultTargets(corpus: string): Omit<DemoTarget, 'bytes'>[] {
  const obj = (name: string): string => join(corpus, 'obj', name);
  return [
    { path: obj('xdp_firewall.o') },
    { path: obj('tc_nat.o') },
    { path: obj('tail_calls.o'), programs: ['xdp_dispatch', 'xdp_chain'] },
    { path: obj('loops.o'), programs: ['xdp_payload_sum'] },
  ];
}

/** The same host for every object, so both engines (and every rerun) see the same world. */
const HOST = { seed: 1, clock: () => 0n, printk: () => undefined } as const;

interface DemoContext {
  readonly io: CliIo;
  readonly progress: Progress;
  readonly timeMs: number;
  readonly text: boolean;
  /** Where golden and setup files are looked for. */
  readonly corpus: string;
}

// ---- steps ----

function openOn(bytes: Uint8Array, engine: EngineName, type: ProgType | undefined): VmObject {
  return Vm.open(bytes, {
    engine,
    host: HOST,
    ...(type !== undefined ? { programType: type } : {}),
  });
}

function describeObject(obj: VmObject): { programs: ProgramInfo[]; maps: MapInfo[] } {
  return {
    programs: obj.programs.map((p) => ({
      name: p.name,
      section: p.section,
      type: p.type,
      insns: p.program.insns.length,
    })),
    maps: obj.object.maps.map((m) => ({
      name: m.name,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    })),
  };
}

function verifyAll(obj: VmObject): VerifyReport[] {
  return obj.programs.map((p) => {
    const t0 = performance.now();
    const r = obj.verify(p.name);
    return {
      program: p.name,
      accepted: r.ok,
      insnsProcessed: r.insnsProcessed,
      ms: performance.now() - t0,
      error: r.ok || r.error === undefined ? null : errorJson(r.error),
    };
  });
}

type Jit = typeof import('../jit/index.js');

/**
 * JIT-compile every accepted program, as `compile` does: VmObject.prepare on the 'jit' engine.
 * The object is opened unverified because verifyAll has just verified the same programs with
 * the same maps and helpers, so the time is the compiler's alone.
 */
function compileAll(
  jit: Jit,
  bytes: Uint8Array,
  type: ProgType | undefined,
  verdicts: readonly VerifyReport[],
): CompileReport[] {
  const obj = Vm.open(bytes, {
    engine: 'jit',
    host: HOST,
    verify: false,
    ...(type !== undefined ? { programType: type } : {}),
  });
  return obj.programs.map((p, i) => {
    const base = { program: p.name, insns: p.program.insns.length };
    if (verdicts[i]?.accepted !== true) {
      return { ...base, ok: false, wasmBytes: 0, ms: 0, error: verdicts[i]?.error ?? null };
    }
    const t0 = performance.now();
    try {
      const exe = obj.prepare(p.name, 'jit');
      if (!(exe instanceof jit.JitExecutable)) {
        throw new CompileError('COMPILE_FAILED', `the 'jit' engine did not give a JIT executable`);
      }
      const ms = performance.now() - t0;
      return { ...base, ok: true, wasmBytes: exe.compiled.wasm.length, ms, error: null };
    } catch (e) {
      return { ...base, ok: false, wasmBytes: 0, ms: performance.now() - t0, error: errorJson(e) };
    }
  });
}

/** Ring buffer and perf records, drained after each run as a consumer would (not reported). */
function drainEvents(obj: VmObject): void {
  for (const m of obj.maps) {
    if (m.type === MapType.RINGBUF) m.ringBuffer().drain();
    else if (m.type === MapType.PERF_EVENT_ARRAY) m.perfBuffer().drain();
  }
}

function runOne(
  obj: VmObject,
  program: string,
  type: string,
  p: SamplePacket,
): EngineOutcome | { error: ErrorJson } {
  let res: ObjectRunResult;
  try {
    res = obj.run(program, p.input);
  } catch (e) {
    return { error: errorJson(e) };
  } finally {
    drainEvents(obj);
  }
  return {
    r0: hex64(res.r0),
    retval: res.retval,
    action: actionName(type, res.retval),
    packet: hexString(res.packet ?? new Uint8Array(0)),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array, from = 0): boolean {
  if (a.length !== b.length) return false;
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Socket filter output starts with the zeroed L2 header BPF_PROG_TEST_RUN puts back. */
const SOCKET_L2 = 14;

function packetReport(
  p: SamplePacket,
  type: string,
  interp: VmObject,
  jitObj: VmObject,
  program: string,
): PacketReport {
  if (p.kernelR0 === undefined) {
    return {
      desc: p.desc,
      kernel: null,
      interp: null,
      jit: null,
      agree: true,
      modified: false,
      packetMatchesKernel: null,
    };
  }
  const a = runOne(interp, program, type, p);
  const b = runOne(jitObj, program, type, p);
  const kernel = { retval: p.kernelR0, action: actionName(type, p.kernelR0) };
  const both = isOutcome(a) && isOutcome(b);
  const agree = both && a.r0 === b.r0 && a.packet === b.packet && a.retval === kernel.retval;
  const out = isOutcome(a) ? a.packet : '';
  const from = type === 'socket_filter' ? SOCKET_L2 : 0;
  const outBytes = Uint8Array.from(out.match(/../g) ?? [], (h) => parseInt(h, 16));
  return {
    desc: p.desc,
    kernel,
    interp: a,
    jit: b,
    agree,
    modified: isOutcome(a) && !sameBytes(outBytes, p.packetIn, from),
    packetMatchesKernel:
      p.kernelPacketOut === undefined || !isOutcome(a)
        ? null
        : sameBytes(outBytes, p.kernelPacketOut),
  };
}

interface GoldenRun {
  readonly report: RunReport;
  /** The packets both engines ran without error, for timing. */
  readonly timed: readonly SamplePacket[];
  readonly interp: VmObject;
  readonly jit: VmObject;
}

function runGolden(
  bytes: Uint8Array,
  type: ProgType | undefined,
  golden: Golden,
  setup: Setup,
): GoldenRun {
  // Two fresh objects set up alike, so each engine starts from the maps the kernel started from.
  const interp = openOn(bytes, 'interp', type);
  const jitObj = openOn(bytes, 'jit', type);
  applySetup(interp, setup, golden.program);
  applySetup(jitObj, setup, golden.program);
  const progType = interp.program(golden.program).type;
  const samples = samplePackets(golden, setup);
  const packets = samples.map((p) => packetReport(p, progType, interp, jitObj, golden.program));
  const timed = samples.filter((_, i) => {
    const r = packets[i] as PacketReport;
    return isOutcome(r.interp) && isOutcome(r.jit);
  });
  const maps = dumpMaps(interp);
  return {
    report: {
      program: golden.program,
      type: progType,
      golden: golden.file,
      kernel: golden.kernel,
      packets,
      mapsAgree: JSON.stringify(maps) === JSON.stringify(dumpMaps(jitObj)),
      maps,
    },
    timed,
    interp,
    jit: jitObj,
  };
}

function measure(ctx: DemoContext, run: GoldenRun, budgetMs: number): SpeedReport | undefined {
  const { program } = run.report;
  const inputs = run.timed.map((p) => p.input);
  if (inputs.length === 0 || budgetMs <= 0) return undefined;
  const passOf = (obj: VmObject) => () => {
    for (const input of inputs) obj.run(program, input);
  };
  ctx.progress.start(`measuring ${program} (interp and jit)`);
  let timings: EngineTiming[];
  try {
    timings = timeEngines(
      [
        { name: 'interp', pass: passOf(run.interp) },
        { name: 'jit', pass: passOf(run.jit) },
      ],
      inputs.length,
      budgetMs,
      ctx.progress,
    );
  } finally {
    ctx.progress.end();
  }
  const [i, j] = timings as [EngineTiming, EngineTiming];
  return {
    program,
    packets: inputs.length,
    interpNsPerPacket: i.nsPerPacket,
    jitNsPerPacket: j.nsPerPacket,
    speedup: i.nsPerPacket / j.nsPerPacket,
    samples: { interp: i.samples, jit: j.samples },
  };
}

function demoObject(ctx: DemoContext, jit: Jit, target: DemoTarget): ObjectReport {
  const { io } = ctx;
  const { bytes } = target;
  const file = basename(target.path);
  const stem = file.replace(/\.o$/, '');
  const found = goldensOf(stem, ctx.corpus).filter(
    (g) => target.programs === undefined || target.programs.includes(g.program),
  );
  const setup = found.length > 0 ? setupOf(stem, ctx.corpus) : {};
  const type = setupType(setup);

  const { programs, maps } = describeObject(openOn(bytes, 'interp', type));
  // Programs run in the object's order, not the golden files' alphabetical one.
  const order = (g: Golden): number => programs.findIndex((p) => p.name === g.program);
  const goldens = [...found].sort((a, b) => order(a) - order(b));
  if (ctx.text) io.stdout(objectHeader(file, programs, maps));

  const verify = verifyAll(openOn(bytes, 'interp', type));
  if (ctx.text) io.stdout(verify.map(verifyLine).join(''));

  ctx.progress.start(`compiling ${file} (${plural(programs.length, 'program')})`);
  let compile: CompileReport[];
  try {
    compile = compileAll(jit, bytes, type, verify);
  } finally {
    ctx.progress.end();
  }
  if (ctx.text) io.stdout(compile.map(compileLine).join(''));

  const runs: GoldenRun[] = [];
  for (const g of goldens) {
    const run = runGolden(bytes, type, g, setup);
    runs.push(run);
    if (ctx.text) io.stdout(runText(run.report, maps));
  }
  if (ctx.text && goldens.length === 0) {
    io.stdout(`\nno sample packets: the corpus has no golden runs for ${stem}\n`);
  }

  const speed: SpeedReport[] = [];
  const budget = runs.length > 0 ? ctx.timeMs / runs.length : 0;
  for (const run of runs) {
    const s = measure(ctx, run, budget);
    if (s === undefined) continue;
    speed.push(s);
    if (ctx.text) io.stdout(speedLine(s));
  }
  return { file, programs, maps, verify, compile, runs: runs.map((r) => r.report), speed };
}

export async function demoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const json = flagOpt(args, 'json');
  const ctx: DemoContext = {
    io,
    progress: new Progress((t) => io.stderr(t), process.stderr.isTTY === true),
    timeMs: countOpt(args, 'time-ms') ?? DEFAULT_TIME_MS,
    text: !json,
    corpus: stringOpt(args, 'corpus') ?? CORPUS_DIR,
  };
  const chosen =
    args.positionals.length > 0
      ? args.positionals.map((path) => ({ path }))
      : defaultTargets(ctx.corpus);
  // Every file is read and checked first, so a bad argument fails before the slow steps.
  const targets: DemoTarget[] = chosen.map((t) => {
    const bytes = io.readFile(t.path);
    if (!isElf(bytes)) throw new BpfError('load', 'BAD_INPUT', `${t.path} is not an ELF object`);
    return { ...t, bytes };
  });

  const t0 = performance.now();
  const jit = await ctx.progress.during('importing the JIT (binaryen)', async () => {
    await ensureEngine('jit');
    return import('../jit/index.js');
  });
  const importMs = performance.now() - t0;
  if (ctx.text) io.stdout(`JIT loaded (binaryen.js) in ${ms(importMs)} ms\n`);

  const objects: ObjectReport[] = [];
  for (const t of targets) objects.push(demoObject(ctx, jit, t));
  const failures = objects.flatMap(failuresOf);
  if (json) {
    io.stdout(
      JSON.stringify({ jitImportMs: importMs, timeMs: ctx.timeMs, objects, failures }) + '\n',
    );
  } else {
    io.stdout(summaryText(objects, failures));
  }
  return failures.length === 0 ? 0 : 1;
}
