// `ebpf-wasm run FILE`: load a program (assembly, raw bytecode, hex words or a .data test), run
// it once on the chosen engine with the given input memory, and print r0 (or a JSON object).
// `--trace` prints every executed instruction to stderr with the registers it changed.
// `--engine aot` compiles it ahead of time in process and runs the module on the light runtime.
// An ELF object or an AOT module (.wasm) runs one named program per `--packet-hex` instead
// (run-object.ts).

import { basename } from 'node:path';
import { conformanceVm } from '../conformance/runner.js';
import { ensureEngine, ENGINE_NAMES } from '../conformance/engines.js';
import { hex64, hexString, parseHexBytes } from '../conformance/hex.js';
import { disassembleInsn } from '../isa/disasm.js';
import type { Program } from '../isa/insn.js';
import type { EngineName, TraceSink } from '../runtime/engine.js';
import { DEFAULT_DATA_CAPACITY } from '../runtime/layout.js';
import { DEFAULT_BUDGET, type RunResult, Vm } from '../vm.js';
import {
  type CommandSpec,
  countOpt,
  flagOpt,
  type ParsedArgs,
  stringOpt,
  usageError,
} from './args.js';
import { runJson, traceLine } from './format.js';
import { isElf, loadProgram } from './input.js';
import type { CliIo } from './io.js';
import { loadLoose, TYPE_HELP } from './object.js';
import { runModuleCommand, runObjectCommand } from './run-object.js';
import { compileLooseAot, isWasm, openAot } from './aot.js';

export const runSpec: CommandSpec = {
  name: 'run',
  summary:
    'Run a program and print r0 in hex.\n' +
    'FILE is assembly (.s/.asm or any text), raw bytecode (.bin/.o, little-endian 8-byte\n' +
    'slots), hex instruction words, or a conformance .data file (which also supplies the input\n' +
    'memory). r1 points to a copy of the input, r2 is its length.\n' +
    'FILE may also be an ELF object (clang -target bpf): then --program NAME runs once per\n' +
    '--packet-hex, in order, on the same loaded object (map state carries over), and the maps\n' +
    'are shown after the last run. An AOT module (.wasm from `compile -o`) runs the same way\n' +
    '(--program may be left out when it holds one program); --engine aot runs an ELF object or\n' +
    'a program through such a module compiled in process.',
  positionals: [{ name: 'FILE', help: 'the program, an ELF object, or an AOT module (.wasm)' }],
  options: [
    {
      name: 'engine',
      value: 'string',
      choices: [...ENGINE_NAMES, 'aot'],
      help: 'engine (default interp; aot for a .wasm)',
    },
    {
      name: 'program',
      value: 'string',
      valueName: 'NAME',
      help: 'ELF/.wasm: the program to run (function or section name)',
    },
    { name: 'type', value: 'string', valueName: 'TYPE', help: `ELF: override the ${TYPE_HELP}` },
    {
      name: 'packet-hex',
      value: 'string',
      valueName: 'HEX',
      repeatable: true,
      help: 'ELF/.wasm: one run on this packet (xdp, tc, socket)',
    },
    {
      name: 'mem',
      value: 'string',
      valueName: 'FILE',
      help: 'input memory: bytes of FILE (ELF/.wasm: raw memory, or a tracing context)',
    },
    {
      name: 'mem-hex',
      value: 'string',
      valueName: 'HEX',
      help: "input memory: hex ('aa bb 11'); not for ELF objects",
    },
    {
      name: 'tail-call',
      value: 'string',
      valueName: 'MAP:INDEX=PROG',
      repeatable: true,
      help: 'ELF/.wasm: put program PROG in slot INDEX of prog array MAP first',
    },
    {
      name: 'budget',
      value: 'count',
      valueName: 'N',
      help: `stop after N instructions (default ${DEFAULT_BUDGET})`,
    },
    { name: 'trace', help: 'print each executed instruction to stderr (interp only)' },
    {
      name: 'json',
      help: 'print {r0, r0Signed, executed, engine, output} as JSON (ELF: {runs, maps})',
    },
    { name: 'no-verify', help: 'run without verifying first (memory stays confined to the VM)' },
  ],
  notes: [
    'ELF output: a line per run (`run 1: r0=0x2 (XDP_PASS) packet=...`, with ring buffer and',
    'perf records drained after it), then each map. With --json:',
    '  {"runs":[{"r0":"0x..","packet":"<hex after the run>"}],',
    '   "maps":{"NAME":[{"key":"<hex>","value":"<hex>"}]}}',
    'Per-CPU maps give "values" (one per virtual CPU); prog arrays list filled slots with the',
    'program id (its index in `info`) as value; arrays/hashes of maps list filled slots as',
    '{"key","inner":"NAME"}; queues and stacks list {"value"} in pop order (left unchanged);',
    'ring buffers and perf event arrays are left out of "maps" (their records are drained after',
    'each run). Array entries still zero are listed in JSON and counted in text.',
    '',
    'A program run with --engine aot prints r0 (or the --json above, engine "aot") as on the',
    'other engines; as a .wasm (`compile prog.s -o prog.wasm`) it is an object of one program.',
    '',
    'Examples:',
    '  ebpf-wasm run corpus/asm/sum.s --mem-hex "01 02 03 04" --trace',
    '  ebpf-wasm run corpus/obj/counter_hash.o --program tc_count_src --packet-hex 00aa.. --json',
    '  ebpf-wasm run corpus/obj/tail_calls.o --program xdp_dispatch --engine aot \\',
    '      --tail-call jmp_table:0=xdp_ipv4 --packet-hex 00aa..',
    '  ebpf-wasm compile corpus/obj/xdp_firewall.o -o fw.wasm && ebpf-wasm run fw.wasm --packet-hex 00aa..',
  ],
};

/** Flush trace text in chunks: one write per line would dominate long traces. */
const TRACE_CHUNK = 1000;

function traceSink(program: Program, io: CliIo, lines: string[]): TraceSink {
  return (step) => {
    const insn = program.insns[program.indexOfPc[step.pc] ?? -1];
    lines.push(traceLine(step, insn !== undefined ? disassembleInsn(insn) : '?'));
    if (lines.length >= TRACE_CHUNK) io.stderr(lines.splice(0).join('\n') + '\n');
  };
}

function inputMemory(args: ParsedArgs, io: CliIo, fromTest: Uint8Array | undefined): Uint8Array {
  const memFile = stringOpt(args, 'mem');
  const memHex = stringOpt(args, 'mem-hex');
  if (memFile !== undefined && memHex !== undefined) {
    throw usageError('run: give --mem or --mem-hex, not both');
  }
  if (memFile !== undefined) return io.readFile(memFile);
  if (memHex !== undefined) return parseHexBytes(memHex, '--mem-hex');
  return fromTest ?? new Uint8Array(0);
}

/** `run --json` of a program run on an AOT module: the shape runJson gives the Vm's engines. */
function aotRunJson(r0: bigint, output: Uint8Array): string {
  return JSON.stringify({
    r0: hex64(r0),
    r0Signed: BigInt.asIntN(64, r0).toString(),
    executed: -1,
    engine: 'aot',
    output: hexString(output),
  });
}

/**
 * A program compiled ahead of time here (verified for this input's length, as the Vm verifies
 * it) and run once on the light runtime.
 */
async function runLooseAot(
  file: string,
  bytes: Uint8Array,
  args: ParsedArgs,
  io: CliIo,
): Promise<number> {
  if (flagOpt(args, 'trace')) throw usageError('run: --trace needs --engine interp');
  const loose = loadLoose(file, bytes);
  const input = inputMemory(args, io, loose.mem);
  const module = await compileLooseAot(loose, {
    type: 'unspec',
    verify: !flagOpt(args, 'no-verify'),
    memSize: input.length,
    source: basename(file),
  });
  const obj = openAot(file, module.wasm, { budget: countOpt(args, 'budget') ?? DEFAULT_BUDGET });
  const res = obj.run(loose.name, { mem: input });
  const output = res.mem ?? new Uint8Array(0);
  io.stdout((flagOpt(args, 'json') ? aotRunJson(res.r0, output) : hex64(res.r0)) + '\n');
  return 0;
}

export async function runCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  if (isElf(bytes)) return runObjectCommand(file, bytes, args, io);
  if (isWasm(bytes)) return runModuleCommand(file, bytes, args, io);
  for (const opt of ['program', 'type', 'packet-hex', 'tail-call'] as const) {
    if (args.values.has(opt)) throw usageError(`run: --${opt} is for ELF objects and AOT modules`);
  }
  if (stringOpt(args, 'engine') === 'aot') return runLooseAot(file, bytes, args, io);
  const verify = !flagOpt(args, 'no-verify');
  const engine = (stringOpt(args, 'engine') ?? 'interp') as EngineName;
  const trace = flagOpt(args, 'trace');
  if (trace && engine !== 'interp') throw usageError('run: --trace needs --engine interp');
  const loaded = loadProgram(file, bytes);
  const input = inputMemory(args, io, loaded.test?.mem);
  await ensureEngine(engine);
  const budget = countOpt(args, 'budget') ?? DEFAULT_BUDGET;
  // A .data test runs exactly as the conformance runner runs it (with the suite's helpers).
  const vm =
    loaded.kind === 'data'
      ? conformanceVm(engine, budget, verify)
      : new Vm({
          engine,
          budget,
          verify,
          dataCapacity: Math.max(DEFAULT_DATA_CAPACITY, input.length),
        });
  vm.load(loaded.program);

  const lines: string[] = [];
  let result: RunResult;
  try {
    result = vm.run(input, trace ? { trace: traceSink(loaded.program, io, lines) } : {});
  } finally {
    if (lines.length > 0) io.stderr(lines.join('\n') + '\n');
  }
  io.stdout((flagOpt(args, 'json') ? runJson(result) : hex64(result.r0)) + '\n');
  return 0;
}
