// Turning a synchronous "take what is there" reader into an async iterator. Programs run
// synchronously on this thread, so new records can only appear between ticks: poll.

export interface PollOptions {
  /** Stop when this signal aborts (otherwise the iterator runs until the loop breaks). */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds between polls when nothing is available (default 10). */
  readonly pollMs?: number | undefined;
}

export async function* pollRecords<T>(drain: () => T[], opts: PollOptions = {}): AsyncGenerator<T> {
  const pollMs = opts.pollMs ?? 10;
  for (;;) {
    for (const record of drain()) yield record;
    if (opts.signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      opts.signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
