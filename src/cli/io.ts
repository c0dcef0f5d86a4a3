// What the commands may do to the outside world, behind one interface so tests run them in
// process with captured output: write stdout/stderr, read and write files. File errors become
// BpfError IO (a user error: one line, no stack trace).

import { readFileSync, writeFileSync } from 'node:fs';
import { BpfError } from '../errors.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array): void;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
};

function ioError(verb: string, path: string, cause: unknown): BpfError {
  const code = (cause as { code?: unknown } | null)?.code;
  const why =
    typeof code === 'string'
      ? (REASONS[code] ?? code)
      : cause instanceof Error
        ? cause.message
        : '';
  return new BpfError('cli', 'IO', `cannot ${verb} ${path}${why !== '' ? `: ${why}` : ''}`, {
    cause,
  });
}

let pipeGuard = false;

/**
 * When the reader of our output goes away (`ebpf-wasm conformance DIR | head`), stop quietly as
 * a Unix tool killed by SIGPIPE would, instead of crashing on the unhandled EPIPE.
 */
function guardPipes(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

/** The real process: stdout, stderr and the file system. */
export function processIo(): CliIo {
  guardPipes();
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readFile(path) {
      try {
        return readFileSync(path);
      } catch (cause) {
        throw ioError('read', path, cause);
      }
    },
    writeFile(path, data) {
      try {
        writeFileSync(path, data);
      } catch (cause) {
        throw ioError('write', path, cause);
      }
    },
  };
}
