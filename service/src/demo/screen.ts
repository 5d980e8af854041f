/** The demo's live table: redrawn in place on a terminal, printed as a new block every few seconds otherwise. */
import { repName, REPS, OVERFLOW_QUEUE } from './people';
import type { Tally } from './tally';

const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);

export function renderTable(tally: Tally, elapsedS: number, totalS: number): string {
  const lat = tally.latency();
  const counts = tally.perOwner();
  const owners = [...REPS.map((r) => r.id), OVERFLOW_QUEUE.id, ...[...counts.keys()].filter((o) => o !== OVERFLOW_QUEUE.id && !REPS.some((r) => r.id === o))];
  const max = Math.max(1, ...counts.values());
  const lines = [
    `lead-router demo  ${clock(elapsedS)} / ${clock(totalS)}`,
    `leads created ${tally.createdCount}   routed (owner written) ${tally.routedCount}   in flight ${tally.createdCount - tally.routedCount}`,
    `hand-off latency, lead created -> owner written:  p50 ${ms(lat.p50)}   p99 ${ms(lat.p99)}   max ${ms(lat.max)}`,
    '',
    `${'owner'.padEnd(28)}${'leads'.padStart(6)}`,
    ...owners.map((o) => {
      const n = counts.get(o) ?? 0;
      return `${repName(o).padEnd(28)}${String(n).padStart(6)}  ${'#'.repeat(Math.round((n / max) * 30))}`;
    }),
  ];
  return lines.join('\n');
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

export class Screen {
  private drawnLines = 0;
  private lastPlain = -Infinity;

  constructor(
    private readonly out: { write(text: string): void; isTTY?: boolean },
    private readonly plainEveryS = 5,
  ) {}

  /** `final`: always printed (the last table of the run). */
  draw(table: string, elapsedS: number, final = false): void {
    if (this.out.isTTY) {
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r` : '';
      this.out.write(`${up}${table.split('\n').map((l) => `${l}\x1b[K`).join('\n')}\n`);
      this.drawnLines = table.split('\n').length;
      return;
    }
    if (!final && elapsedS - this.lastPlain < this.plainEveryS) return;
    this.lastPlain = elapsedS;
    this.out.write(`${table}\n\n`);
  }
}
