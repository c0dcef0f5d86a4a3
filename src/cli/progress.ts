// A progress line on stderr for steps that may take more than a second (importing the JIT,
// compiling, timing loops), so a long pause never looks like a hang. On a terminal the line is
// rewritten in place (`\r`, erase to end of line) with the elapsed time and erased when the step
// ends; anywhere else (CI logs, pipes) each step prints one plain line when it starts, since
// rewriting would leave a trail of near-identical lines.

/** How often, at most, a terminal line is rewritten. */
const REDRAW_MS = 100;

export class Progress {
  private label = '';
  private started = 0;
  private drawn = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
  ) {}

  /** Begin a step: `… label`. */
  start(label: string): void {
    this.end();
    this.label = label;
    this.started = performance.now();
    this.drawn = 0;
    if (this.tty) this.draw();
    else this.write(`… ${label}\n`);
  }

  /**
   * Show the elapsed time (terminal only, rate-limited): called from inside synchronous loops,
   * where no timer can fire.
   */
  tick(): void {
    if (!this.tty || this.label === '') return;
    if (performance.now() - this.drawn >= REDRAW_MS) this.draw();
  }

  /** Keep the line ticking while an await is pending (an import, for instance). */
  async during<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.start(label);
    if (this.tty) this.timer = setInterval(() => this.tick(), REDRAW_MS);
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  /** End the step: the terminal line is erased, so results print on a clean line. */
  end(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.label !== '') this.write('\r\x1b[K');
    this.label = '';
  }

  private draw(): void {
    const now = performance.now();
    this.drawn = now;
    const s = ((now - this.started) / 1000).toFixed(1);
    this.write(`\r\x1b[K… ${this.label} ${s} s`);
  }
}
