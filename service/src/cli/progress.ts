/** Progress for long commands: a bar redrawn in place on a terminal, one plain line per step otherwise. */
import type { Output } from './io';

export class Progress {
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly total: number,
    private readonly width = 30,
  ) {}

  update(done: number, note: string): void {
    if (this.out.isTTY) {
      const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
      const full = Math.round(share * this.width);
      this.out.write(`\r[${'#'.repeat(full)}${'-'.repeat(this.width - full)}] ${done}/${this.total} ${note}\x1b[K`);
      this.drawn = true;
    } else {
      this.out.write(`progress ${done}/${this.total} ${note}\n`);
    }
  }

  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
