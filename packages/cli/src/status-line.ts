/**
 * Progress on stderr: on a terminal, one line rewritten in place; otherwise (CI logs, pipes) a dot per success and an
 * `x` per failure, then a newline, so logs stay readable.
 */
export class StatusLine {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  #open = false;

  constructor(write: (text: string) => void, tty: boolean) {
    this.#write = write;
    this.#tty = tty;
  }

  /** A new phase: ends the current line and prints the phase on its own. */
  phase(text: string): void {
    this.done();
    this.#write(`${text}...\n`);
  }

  /** Replaces the current progress (terminal) or appends a mark (otherwise). */
  update(text: string, ok = true): void {
    if (this.#tty) this.#write(`\r\x1b[2K${text}`);
    else this.#write(ok ? '.' : 'x');
    this.#open = true;
  }

  /** A bar: `[#####-----]  50% 12/24 label`. */
  bar(label: string, done: number, total: number): void {
    const width = 24;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total} ${label}`;
    if (this.#tty) {
      this.#write(`\r\x1b[2K${text}`);
      this.#open = true;
    } else if (done === total) {
      this.#write(`${text}\n`);
    }
  }

  /** Ends the current line, if any. */
  done(): void {
    if (this.#open) this.#write('\n');
    this.#open = false;
  }
}
