/**
 * The emulator's clock: real time plus an offset the control surface can move forward (retention windows,
 * token expiry, daily API counters, SLAs). Never moves backward.
 */
import type { EmulatorClock } from './context';

export interface ClockOptions {
  /** Epoch ms the clock starts at (defaults to the real time). */
  start?: number;
  /** Source of real time (for tests of the clock itself). */
  realNow?: () => number;
}

export class MovableClock implements EmulatorClock {
  private offset = 0;
  private readonly realNow: () => number;
  private readonly startOffset: number;

  constructor(opts: ClockOptions = {}) {
    this.realNow = opts.realNow ?? Date.now;
    this.startOffset = opts.start === undefined ? 0 : opts.start - this.realNow();
    this.offset = this.startOffset;
  }

  now(): number {
    return this.realNow() + this.offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward (ms >= 0)');
    this.offset += ms;
  }

  reset(): void {
    this.offset = this.startOffset;
  }
}

export function createClock(opts: ClockOptions = {}): MovableClock {
  return new MovableClock(opts);
}
