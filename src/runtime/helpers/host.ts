// HostEnv: every value the standard helpers take from "the machine" rather than from the program
// (clocks, the current task, the CPU's NUMA node, the random seed, where trace_printk writes).
// A test pins them all and gets the same results on every run; the defaults read the real host.

/** What the helpers see of the host. Every field is optional; see `resolveHost` for defaults. */
export interface HostEnv {
  /** CLOCK_MONOTONIC in ns (bpf_ktime_get_ns). Default: process.hrtime.bigint(). */
  readonly clock?: (() => bigint) | undefined;
  /** Time spent suspended, added for CLOCK_BOOTTIME (bpf_ktime_get_boot_ns). Default 0. */
  readonly suspendedNs?: bigint | undefined;
  /** Timer frequency CONFIG_HZ: jiffies64 and the coarse clock tick with it. Default 250. */
  readonly hz?: number | undefined;
  /** Thread id (the kernel's pid) and process id (tgid). Default: process.pid for both. */
  readonly pid?: number | undefined;
  readonly tgid?: number | undefined;
  /** Default: process.getuid()/getgid() where they exist, else 0. */
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** task->comm, at most 15 bytes are used (TASK_COMM_LEN 16 with its NUL). Default 'ebpf-wasm'. */
  readonly comm?: string | undefined;
  /**
   * Value of bpf_get_current_task (a kernel address the program can only probe_read). 0n means
   * "no current task": the task helpers then fail with -EINVAL as the kernel's do.
   */
  readonly task?: bigint | undefined;
  /** bpf_get_numa_node_id. Default 0. */
  readonly numaNode?: number | undefined;
  /** Seed of bpf_get_prandom_u32's generator. Default: a random seed per registry. */
  readonly seed?: bigint | number | undefined;
  /** Receives each bpf_trace_printk message. Default: written to stderr. */
  readonly printk?: ((message: string) => void) | undefined;
  /**
   * bpf_get_socket_cookie of an skb: the cookie of its socket, 0n for none. Default 0n (a tc
   * ingress packet has no socket yet).
   */
  readonly socketCookie?: bigint | undefined;
}

/** A HostEnv with every default filled in. */
export interface Host {
  readonly clock: () => bigint;
  readonly suspendedNs: bigint;
  readonly hz: number;
  readonly pid: number;
  readonly tgid: number;
  readonly uid: number;
  readonly gid: number;
  readonly comm: string;
  readonly task: bigint;
  readonly numaNode: number;
  readonly seed: bigint;
  readonly printk: (message: string) => void;
  readonly socketCookie: bigint;
}

/** A plausible x86-64 direct-map address, so programs that test it against NULL proceed. */
export const DEFAULT_TASK = 0xffff_8880_0420_0000n;
export const DEFAULT_COMM = 'ebpf-wasm';
export const DEFAULT_HZ = 250;

export function resolveHost(env: HostEnv = {}): Host {
  const proc = globalThis.process as NodeJS.Process | undefined;
  const pid = env.pid ?? proc?.pid ?? 1;
  return {
    clock: env.clock ?? defaultClock(),
    suspendedNs: env.suspendedNs ?? 0n,
    hz: env.hz ?? DEFAULT_HZ,
    pid,
    tgid: env.tgid ?? proc?.pid ?? pid,
    uid: env.uid ?? proc?.getuid?.() ?? 0,
    gid: env.gid ?? proc?.getgid?.() ?? 0,
    comm: env.comm ?? DEFAULT_COMM,
    task: env.task ?? DEFAULT_TASK,
    numaNode: env.numaNode ?? 0,
    seed: BigInt.asUintN(64, BigInt(env.seed ?? randomSeed())),
    printk: env.printk ?? defaultPrintk,
    socketCookie: BigInt.asUintN(64, env.socketCookie ?? 0n),
  };
}

function defaultClock(): () => bigint {
  const proc = globalThis.process as NodeJS.Process | undefined;
  if (proc?.hrtime?.bigint !== undefined) return () => proc.hrtime.bigint();
  // Browsers: performance.now() is monotonic, in ms with µs resolution.
  return () => BigInt(Math.round(performance.now() * 1e6));
}

function randomSeed(): bigint {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[1]!) << 32n) | BigInt(words[0]!);
}

function defaultPrintk(message: string): void {
  const proc = globalThis.process as NodeJS.Process | undefined;
  if (proc?.stderr !== undefined) proc.stderr.write(message);
  else console.error(message);
}
