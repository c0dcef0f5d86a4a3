// Typed prototypes of the helpers, in the kernel's terms (struct bpf_func_proto): what each
// argument must be and what the result is. The verifier checks calls against them; the loader
// names unknown helpers with them. The table itself (HELPER_PROTOS) is in
// src/runtime/helpers/protos.ts, next to the standard helper implementations.

/** Argument types (the kernel's enum bpf_arg_type, reduced to what this project checks). */
export type ArgType =
  | 'anything' // any initialised scalar or pointer
  | 'scalar' // an initialised scalar (flags, sizes not used as memory sizes)
  | 'const_map_ptr' // a map pointer (lddw of a map)
  | 'map_key' // pointer to initialised memory of the map's key_size
  | 'map_value' // pointer to initialised memory of the map's value_size
  | 'uninit_map_value' // pointer to writable memory of the map's value_size
  | 'mem' // pointer to readable initialised memory; size in the next 'const_size' arg
  | 'mem_or_null' // like 'mem' or NULL
  | 'writable_mem' // like 'mem' and also writable (ARG_PTR_TO_MEM without MEM_RDONLY: fib_lookup)
  | 'writable_mem_or_null' // like 'writable_mem' or NULL (bpf_snprintf's output buffer)
  | 'uninit_mem' // pointer to writable memory, size in the next arg; helper fills it
  | 'const_size' // size of the preceding memory arg, a known-bounded scalar > 0
  | 'const_size_or_zero' // same, may be 0
  | 'const_alloc_size_or_zero' // ringbuf_reserve size, a constant
  | 'ctx' // the program's context pointer
  | 'ringbuf_mem' // memory returned by ringbuf_reserve (released by the call)
  | 'func' // pointer to a subprogram (bpf_loop callback)
  | 'const_str' // pointer into read-only map value holding a NUL-terminated string
  | 'spin_lock' // pointer to a struct bpf_spin_lock inside a map value
  | 'ptr_to_long' // pointer to 8 writable bytes
  | 'stack_or_null'; // pointer to stack memory or NULL

/** Return types (enum bpf_return_type, reduced). */
export type RetType =
  | 'integer'
  | 'void'
  | 'map_value_or_null' // pointer to the map's value (size value_size) or NULL
  | 'ringbuf_mem_or_null' // pointer to memory of the size of the constant arg, or NULL
  | 'mem_or_null'; // other memory or NULL

export interface HelperProto {
  readonly id: number;
  /** The kernel's name without the `bpf_` prefix (`map_lookup_elem`). */
  readonly name: string;
  /** Types of r1..r(n); fewer than 5 entries means the rest are unused. */
  readonly args: readonly ArgType[];
  readonly ret: RetType;
  /** Program types that may call it; undefined = any. Names as in src/elf/prog-type.ts. */
  readonly progTypes?: readonly string[];
  /** The kernel only allows it for GPL-compatible programs. */
  readonly gplOnly?: boolean;
}
