// Shared by the CLI tests: run `ebpf-wasm` in process with stdout and stderr captured.
import { processIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface CliOutcome {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function cli(...argv: string[]): Promise<CliOutcome> {
  let out = '';
  let err = '';
  const io = {
    ...processIo(),
    stdout: (t: string) => (out += t),
    stderr: (t: string) => (err += t),
  };
  const code = await main(argv, io);
  return { code, out, err };
}
