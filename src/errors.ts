// The project's one error type. Every failure a user can cause (bad bytecode, bad assembly, a
// program that traps or runs away) is a BpfError with a stage, a stable code from ERROR_CODES and,
// where one applies, the instruction index (the 8-byte slot number, as the kernel counts). Tests
// assert `code` and `insn`, never the wording.

export const STAGES = ['decode', 'asm', 'load', 'verify', 'compile', 'run', 'cli'] as const;
export type Stage = (typeof STAGES)[number];

/** Stable error codes. The text is the default summary; messages add the specifics. */
export const ERROR_CODES = {
  // decode: raw bytecode
  EMPTY_PROGRAM: 'program has no instructions',
  TRUNCATED: 'program length is not a multiple of 8 bytes',
  TOO_LARGE: 'program has more instructions than the limit',
  UNKNOWN_OPCODE: 'unknown opcode',
  RESERVED_FIELD: 'reserved field is not zero',
  BAD_FIELD: 'field has a value the opcode does not allow',
  BAD_REGISTER: 'register number out of range',
  LDDW_TRUNCATED: 'lddw is missing its second half',
  LDDW_BAD_SECOND: 'second half of lddw has non-zero fields',
  JUMP_OUT_OF_RANGE: 'jump target outside the program',
  JUMP_INTO_LDDW: 'jump target is the second half of an lddw',
  CALL_OUT_OF_RANGE: 'local call target outside the program',
  WRITE_R10: 'r10 is read-only',
  // asm: assembly text
  ASM_SYNTAX: 'assembly syntax error',
  ASM_UNKNOWN_MNEMONIC: 'unknown mnemonic',
  ASM_BAD_OPERAND: 'bad operand',
  ASM_UNDEFINED_LABEL: 'undefined label',
  ASM_DUPLICATE_LABEL: 'label defined twice',
  ASM_OUT_OF_RANGE: 'value out of range',
  // run: traps at run time
  OUT_OF_BOUNDS: 'memory access outside every region the VM knows',
  BUDGET_EXHAUSTED: 'instruction budget exhausted',
  CALL_DEPTH: 'call depth exceeds 8 frames',
  UNKNOWN_HELPER: 'call to a helper nobody registered',
  HELPER_FAILED: 'helper failed',
  FELL_OFF_END: 'execution ran past the last instruction',
  INPUT_TOO_LARGE: 'input does not fit the VM memory',
  NOT_LOADED: 'no program loaded',
  UNSUPPORTED: 'not supported by this engine',
  // compile: the JIT
  COMPILE_FAILED: 'translation to WebAssembly failed',
  // cli
  USAGE: 'bad command line',
  IO: 'cannot read or write a file',
  BAD_INPUT: 'input is malformed',
  // maps: creating maps and using them from the host
  BAD_MAP: 'map definition is invalid',
  MAP_UNSUPPORTED: 'map type not supported',
  MAP_ERROR: 'map operation failed',
  // load: ELF objects (the loader in src/elf/)
  ELF_TRUNCATED: 'object file ends before a header, section or table it declares',
  ELF_BAD_MAGIC: 'not an ELF file',
  ELF_BAD_CLASS: 'not a 64-bit little-endian ELF file',
  ELF_BAD_MACHINE: 'ELF machine is not BPF',
  ELF_BAD_SECTION: 'section header is invalid',
  ELF_BAD_STRING: 'string offset outside its table or not terminated',
  ELF_BAD_SYMBOL: 'symbol is invalid',
  ELF_BAD_RELOC: 'relocation is invalid',
  BTF_CORRUPT: 'BTF or BTF.ext data is invalid',
  MAP_BAD_DEF: 'map definition is invalid',
  MAP_UNKNOWN_TYPE: 'unknown map type',
  PROG_NOT_FOUND: 'no such program in the object',
  PROG_BAD_CODE: 'program section is invalid',
  // run: standard helpers (src/runtime/helpers/)
  DEADLOCK: 'bpf_spin_lock on a lock the program already holds',
  BAD_CALLBACK: 'callback is not a subprogram entry, or the engine cannot call back',
  // verify: the static checks of src/verifier/ (the kernel's verifier rules)
  VERIFY_UNREACHABLE: 'instruction is unreachable',
  VERIFY_JUMP_OUT_OF_SUBPROG: 'jump leaves its subprogram',
  VERIFY_FALL_OFF: 'subprogram does not end in exit or jump',
  VERIFY_RECURSION: 'recursive bpf-to-bpf call',
  VERIFY_CALL_DEPTH: 'call chain deeper than 8 frames',
  VERIFY_STACK_DEPTH: 'combined stack of a call chain exceeds 512 bytes',
  VERIFY_UNSUPPORTED_INSN: 'instruction not allowed here',
  VERIFY_UNINIT_REG: 'register read before it is written',
  VERIFY_INVALID_MEM: 'memory access through a register that is not a valid pointer',
  VERIFY_MAYBE_NULL: 'pointer may be NULL: check it first',
  VERIFY_OUT_OF_BOUNDS: 'memory access outside its region',
  VERIFY_UNBOUNDED_OFFSET: 'variable offset not bounded enough to prove the access safe',
  VERIFY_UNINIT_STACK: 'read of stack bytes never written',
  VERIFY_MISALIGNED: 'misaligned access',
  VERIFY_CTX_ACCESS: 'invalid access to the program context',
  VERIFY_READONLY: 'write into read-only memory',
  VERIFY_PTR_ARITH: 'pointer arithmetic not allowed',
  VERIFY_PTR_COMPARE: 'pointer comparison not allowed',
  VERIFY_UNKNOWN_HELPER: 'call to an unknown helper',
  VERIFY_HELPER_PROG_TYPE: 'helper not allowed for this program type',
  VERIFY_HELPER_ARG: 'helper argument has the wrong type or size',
  VERIFY_REF_LEAK: 'reference (ring buffer record) not released',
  VERIFY_BAD_RETURN: 'bad value in r0 at exit',
  VERIFY_INFINITE_LOOP: 'infinite loop',
  VERIFY_TOO_COMPLEX: 'program too complex to verify (1,000,000 instructions processed)',
  // run: objects (src/runtime/object/)
  TAIL_CALL: 'tail call outside an object run',
  // load: ahead-of-time modules (src/aot/)
  AOT_BAD_MODULE: 'not an ebpf-wasm AOT module, or its manifest is malformed',
  AOT_MISMATCH: 'the AOT module was built for another memory layout or runtime version',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface BpfErrorInit {
  /** Instruction index (slot number) the error is about. */
  readonly insn?: number | undefined;
  /** Source line (assembly line, or C line from BTF line info). */
  readonly line?: number | undefined;
  readonly cause?: unknown;
}

export class BpfError extends Error {
  override readonly name: string = 'BpfError';
  readonly stage: Stage;
  readonly code: ErrorCode;
  readonly insn: number | undefined;
  readonly line: number | undefined;
  /** The specific message without the `stage:` prefix and location suffix. */
  readonly detail: string;

  constructor(stage: Stage, code: ErrorCode, detail?: string, init: BpfErrorInit = {}) {
    const text = detail ?? ERROR_CODES[code];
    let where = '';
    if (init.insn !== undefined) where += ` at insn ${init.insn}`;
    if (init.line !== undefined) where += ` (line ${init.line})`;
    super(
      `${stage}: ${text}${where}`,
      init.cause !== undefined ? { cause: init.cause } : undefined,
    );
    this.stage = stage;
    this.code = code;
    this.insn = init.insn;
    this.line = init.line;
    this.detail = text;
  }

  /** A plain object for `--json` output. */
  toJSON(): { code: ErrorCode; insn: number | null; message: string } {
    return { code: this.code, insn: this.insn ?? null, message: this.message };
  }
}

/** Bytecode that does not decode. */
export class DecodeError extends BpfError {
  override readonly name = 'DecodeError';
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('decode', code, detail, init);
  }
}

/** Assembly text that does not assemble. */
export class AsmError extends BpfError {
  override readonly name = 'AsmError';
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('asm', code, detail, init);
  }
}

/** A trap while a program runs: bad memory access, budget, call depth, helper failure. */
export class RunError extends BpfError {
  override readonly name = 'RunError';
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('run', code, detail, init);
  }
}

/** The JIT could not translate a program. */
export class CompileError extends BpfError {
  override readonly name = 'CompileError';
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('compile', code, detail, init);
  }
}

/** A program the verifier refuses: `insn` is where, `line` the C line when line info exists. */
export class VerifyError extends BpfError {
  override readonly name = 'VerifyError';
  /** The readable rejection report (instruction, register state, path, C line), when known. */
  report: string | undefined = undefined;
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('verify', code, detail, init);
  }
}

/** An object file (ELF, BTF, map definitions) that does not load. */
export class LoadError extends BpfError {
  override readonly name = 'LoadError';
  constructor(code: ErrorCode, detail?: string, init?: BpfErrorInit) {
    super('load', code, detail, init);
  }
}

/** For `switch` statements that must cover every member of a union. */
export function assertNever(value: never, what = 'value'): never {
  throw new BpfError('run', 'UNSUPPORTED', `internal: unhandled ${what} ${String(value)}`);
}
