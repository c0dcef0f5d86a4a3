// `ebpf-wasm demo [OBJ ...]`: the main job shown end to end on corpus objects. For each object:
// load it and list its programs and maps, verify each program, JIT-compile each, compile the
// accepted ones ahead of time into one .wasm (compileAot; written out with --out-dir), run the
// kernel-recorded sample packets (corpus/golden) in the interpreter, the JIT and the AOT module
// on three fresh objects set up as the kernel's were (corpus/src/<object>.setup.json), compare
// them with each other and with the kernel's r0, show the maps after the runs, and time the
// three engines on the same packets. `--json` prints all of it as one object. Exit 1 when
// anything failed or disagreed.

import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AotModule } from '../aot/compile.js';
import { AotObject } from '../aot/object.js';
import { ensureEngine } from '../conformance/engines.js';
import { hex64, hexString } from '../conformance/hex.js';
import { BpfError, CompileError } from '../errors.js';
import type { ProgType } from '../elf/prog-type.js';
import type { EngineName } from '../runtime/engine.js';
import { MapType } from '../runtime/maps/index.js';
import type { ObjectRunResult, ObjectRuntime, VmObject } from '../runtime/object/index.js';
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
import { type EngineTiming, type TimedEngine, timeEngines } from './demo-timing.js';
import type { CliIo } from './io.js';
import {
  actionName,
  type AotCompileReport,
  type CompileReport,
  type DemoEngine,
  ENGINES,
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
  aotLines,
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
    "verifier's verdict, the JIT's output, the object compiled ahead of time into one .wasm,\n" +
    'every sample packet run in the interpreter, the JIT and the AOT module and compared with\n' +
    "the kernel's r0 (corpus/golden), the maps after the runs, and the measured time per\n" +
    'packet of each engine. Exits 1 if anything failed or disagreed.',
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
    {
      name: 'out-dir',
      value: 'string',
      valueName: 'DIR',
      help: "write each object's AOT module to DIR/<object>.wasm (default: not written)",
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
    "With --out-dir DIR, each object's AOT module (all its accepted programs, its maps' code and",
    'initial image, the manifest) is written to DIR/<object>.wasm, for the light runtime.',
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

/** The same host for every object, so all engines (and every rerun) see the same world. */
const HOST = { seed: 1, clock: () => 0n, printk: () => undefined } as const;

interface DemoContext {
  readonly io: CliIo;
  readonly progress: Progress;
  readonly timeMs: number;
  readonly text: boolean;
  /** Where golden and setup files are looked for. */
  readonly corpus: string;
  /** Where AOT modules are written (`--out-dir`), if anywhere. */
  readonly outDir: string | undefined;
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

/** The object's AOT module: the report, and the module compiled once for the runs' instances. */
interface AotBuild {
  readonly report: AotCompileReport;
  /** Undefined when nothing was compiled; `error` then says why, for every packet's aot column. */
  readonly module?: WebAssembly.Module;
  readonly error?: ErrorJson;
}

/**
 * Compile the object's accepted programs ahead of time into one module, as `ebpf-wasm compile`
 * does (compileAot on the object's bytes, same program type), and write it to `--out-dir`. The
 * compiler verifies each program again, so the module it writes says so in its manifest; its
 * time therefore includes verification, unlike the JIT lines.
 */
function compileAotModule(
  ctx: DemoContext,
  jit: Jit,
  target: DemoTarget,
  type: ProgType | undefined,
  verdicts: readonly VerifyReport[],
): AotBuild {
  const file = basename(target.path);
  const accepted = verdicts.filter((v) => v.accepted).map((v) => v.program);
  const none = { programs: 0, wasmBytes: 0, maps: 0, ms: 0, path: null };
  if (accepted.length === 0) {
    const skipped = 'the verifier accepted none of its programs';
    return {
      report: { ok: false, ...none, error: null, skipped },
      error: new CompileError('COMPILE_FAILED', `no AOT module: ${skipped}`).toJSON(),
    };
  }
  const t0 = performance.now();
  let out: AotModule;
  try {
    out = jit.compileAot(target.bytes, {
      ...(type !== undefined ? { programType: type } : {}),
      // Only the accepted ones: a rejected program would fail the whole module.
      ...(accepted.length < verdicts.length ? { programs: accepted } : {}),
      source: file,
    });
  } catch (e) {
    const error = errorJson(e);
    const ms = performance.now() - t0;
    return { report: { ok: false, ...none, ms, error, skipped: null }, error };
  }
  const ms = performance.now() - t0;
  const { wasm } = out;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(wasm);
  } catch (e) {
    // WebAssembly refusing what compileAot wrote is our bug; reported as a failed compile.
    const error = new CompileError('COMPILE_FAILED', `the AOT module does not load: ${String(e)}`, {
      cause: e,
    }).toJSON();
    return { report: { ok: false, ...none, ms, error, skipped: null }, error };
  }
  let path: string | null = null;
  if (ctx.outDir !== undefined) {
    path = join(ctx.outDir, `${file.replace(/\.o$/, '')}.wasm`);
    ctx.io.writeFile(path, wasm);
  }
  const report = {
    ok: true,
    programs: accepted.length,
    wasmBytes: wasm.length,
    maps: out.manifest.maps.length,
    ms,
    error: null,
    skipped: null,
    path,
  };
  return { report, module };
}

/** Ring buffer and perf records, drained after each run as a consumer would (not reported). */
function drainEvents(obj: ObjectRuntime): void {
  for (const m of obj.maps) {
    if (m.type === MapType.RINGBUF) m.ringBuffer().drain();
    else if (m.type === MapType.PERF_EVENT_ARRAY) m.perfBuffer().drain();
  }
}

function runOne(
  obj: ObjectRuntime,
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

/** The three objects one program's packets run on; `aot` says why when there is no module. */
interface RunObjects {
  readonly interp: VmObject;
  readonly jit: VmObject;
  readonly aot: AotObject | { readonly error: ErrorJson };
}

type Outcome = EngineOutcome | { error: ErrorJson };

function packetReport(
  p: SamplePacket,
  type: string,
  objs: RunObjects,
  program: string,
): PacketReport {
  if (p.kernelR0 === undefined) {
    return {
      desc: p.desc,
      kernel: null,
      interp: null,
      jit: null,
      aot: null,
      agree: true,
      modified: false,
      packetMatchesKernel: null,
    };
  }
  const outcomes: Record<DemoEngine, Outcome> = {
    interp: runOne(objs.interp, program, type, p),
    jit: runOne(objs.jit, program, type, p),
    aot: objs.aot instanceof AotObject ? runOne(objs.aot, program, type, p) : objs.aot,
  };
  const a = outcomes.interp;
  const kernel = { retval: p.kernelR0, action: actionName(type, p.kernelR0) };
  // All 64 bits of r0 and every byte of the packet between engines; the kernel reports 32 bits.
  const agree =
    isOutcome(a) &&
    a.retval === kernel.retval &&
    ENGINES.every((e) => {
      const o = outcomes[e];
      return isOutcome(o) && o.r0 === a.r0 && o.packet === a.packet;
    });
  const out = isOutcome(a) ? a.packet : '';
  const from = type === 'socket_filter' ? SOCKET_L2 : 0;
  const outBytes = Uint8Array.from(out.match(/../g) ?? [], (h) => parseInt(h, 16));
  return {
    desc: p.desc,
    kernel,
    ...outcomes,
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
  /** The packets every engine ran without error, for timing. */
  readonly timed: readonly SamplePacket[];
  readonly objects: RunObjects;
}

/**
 * A fresh AotObject over the object's module, set up like the others. A program the module lacks
 * (rejected, so not compiled) or a setup naming one makes every packet's aot outcome that error.
 */
function openAot(
  aot: AotBuild,
  setup: Setup,
  program: string,
): AotObject | { readonly error: ErrorJson } {
  if (aot.module === undefined) {
    return { error: aot.error ?? new CompileError('COMPILE_FAILED', 'no AOT module').toJSON() };
  }
  try {
    const obj = new AotObject(aot.module, { host: HOST });
    applySetup(obj, setup, program);
    return obj;
  } catch (e) {
    return { error: errorJson(e) };
  }
}

function runGolden(
  bytes: Uint8Array,
  type: ProgType | undefined,
  aot: AotBuild,
  golden: Golden,
  setup: Setup,
): GoldenRun {
  // Three fresh objects set up alike, so each engine starts from the maps the kernel started from.
  const objects: RunObjects = {
    interp: openOn(bytes, 'interp', type),
    jit: openOn(bytes, 'jit', type),
    aot: openAot(aot, setup, golden.program),
  };
  applySetup(objects.interp, setup, golden.program);
  applySetup(objects.jit, setup, golden.program);
  const progType = objects.interp.program(golden.program).type;
  const samples = samplePackets(golden, setup);
  const packets = samples.map((p) => packetReport(p, progType, objects, golden.program));
  const hasAot = objects.aot instanceof AotObject;
  const timed = samples.filter((_, i) => {
    const r = packets[i] as PacketReport;
    return isOutcome(r.interp) && isOutcome(r.jit) && (!hasAot || isOutcome(r.aot));
  });
  const maps = dumpMaps(objects.interp);
  const text = JSON.stringify(maps);
  // Without an AOT module there are no aot maps to agree: it counts as differing.
  const mapsDiffer = ENGINES.filter((e) => {
    const obj = e === 'aot' ? objects.aot : objects[e];
    return !('maps' in obj) || JSON.stringify(dumpMaps(obj)) !== text;
  });
  return {
    report: {
      program: golden.program,
      type: progType,
      golden: golden.file,
      kernel: golden.kernel,
      packets,
      mapsAgree: mapsDiffer.length === 0,
      mapsDiffer,
      maps,
    },
    timed,
    objects,
  };
}

function measure(ctx: DemoContext, run: GoldenRun, budgetMs: number): SpeedReport | undefined {
  const { program } = run.report;
  const inputs = run.timed.map((p) => p.input);
  if (inputs.length === 0 || budgetMs <= 0) return undefined;
  const passOf = (obj: ObjectRuntime) => () => {
    for (const input of inputs) obj.run(program, input);
  };
  const { interp, jit, aot } = run.objects;
  const engines: TimedEngine[] = [
    { name: 'interp', pass: passOf(interp) },
    { name: 'jit', pass: passOf(jit) },
  ];
  if (aot instanceof AotObject) engines.push({ name: 'aot', pass: passOf(aot) });
  ctx.progress.start(`measuring ${program} (${engines.map((e) => e.name).join(', ')})`);
  let timings: EngineTiming[];
  try {
    timings = timeEngines(engines, inputs.length, budgetMs, ctx.progress);
  } finally {
    ctx.progress.end();
  }
  const [i, j, a] = timings as [EngineTiming, EngineTiming, EngineTiming | undefined];
  return {
    program,
    packets: inputs.length,
    interpNsPerPacket: i.nsPerPacket,
    jitNsPerPacket: j.nsPerPacket,
    aotNsPerPacket: a?.nsPerPacket ?? null,
    speedup: i.nsPerPacket / j.nsPerPacket,
    aotSpeedup: a !== undefined ? i.nsPerPacket / a.nsPerPacket : null,
    samples: { interp: i.samples, jit: j.samples, aot: a?.samples ?? null },
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

  ctx.progress.start(`compiling ${file} ahead of time`);
  let aot: AotBuild;
  try {
    aot = compileAotModule(ctx, jit, target, type, verify);
  } finally {
    ctx.progress.end();
  }
  if (ctx.text) io.stdout(aotLines(file, aot.report));

  const runs: GoldenRun[] = [];
  for (const g of goldens) {
    const run = runGolden(bytes, type, aot, g, setup);
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
  return {
    file,
    programs,
    maps,
    verify,
    compile,
    aot: aot.report,
    runs: runs.map((r) => r.report),
    speed,
  };
}

/** `mkdir -p`, before the slow steps, so a bad --out-dir fails at once. */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    const why = (cause as { code?: unknown } | null)?.code;
    throw new BpfError('cli', 'IO', `cannot create ${dir}: ${String(why ?? cause)}`, { cause });
  }
}

export async function demoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const json = flagOpt(args, 'json');
  const ctx: DemoContext = {
    io,
    progress: new Progress((t) => io.stderr(t), process.stderr.isTTY === true),
    timeMs: countOpt(args, 'time-ms') ?? DEFAULT_TIME_MS,
    text: !json,
    corpus: stringOpt(args, 'corpus') ?? CORPUS_DIR,
    outDir: stringOpt(args, 'out-dir'),
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
  if (ctx.outDir !== undefined) makeDir(ctx.outDir);

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
