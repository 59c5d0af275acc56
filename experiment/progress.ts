// Progress of the training runs: on a terminal, one bar per run redrawn in place with \r;
// otherwise (a pipe, a log file, a test) one plain line per finished run.

/** Where text goes: process.stdout, or anything with write() (tests collect it). */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 20;

export class Progress {
  private label = '';
  private epochs = 0;
  private readonly tty: boolean;

  constructor(private readonly out: Sink) {
    this.tty = out.isTTY === true;
  }

  start(label: string, epochs: number): void {
    this.label = label;
    this.epochs = epochs;
    if (this.tty) this.draw(0, null);
  }

  epoch(epoch: number, acc: number): void {
    if (this.tty) this.draw(epoch, acc);
  }

  done(acc: readonly number[], seconds: number): void {
    const line = `${this.line(acc.length, acc.at(-1) ?? null)}  ${seconds.toFixed(1)} s`;
    this.out.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private line(epoch: number, acc: number | null): string {
    const filled = Math.round((WIDTH * epoch) / Math.max(1, this.epochs));
    const bar = '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
    const e = String(epoch).padStart(String(this.epochs).length);
    return `${this.label} [${bar}] epoch ${e}/${this.epochs}  acc ${acc === null ? '  -  ' : acc.toFixed(3)}`;
  }

  private draw(epoch: number, acc: number | null): void {
    this.out.write(`\r${this.line(epoch, acc)}\x1b[K`); // \x1b[K: clear what a longer line left
  }
}
