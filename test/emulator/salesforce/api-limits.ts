/**
 * The daily API request counter behind `Sforce-Limit-Info` and REQUEST_LIMIT_EXCEEDED (platform-facts 3.4, 3.5).
 * The platform counts over a rolling 24 h; the emulator resets the count when the clock's UTC day changes.
 */
import type { EmulatorClock } from '../context';

const DAY = 86_400_000;

export class ApiLimits {
  private used = 0;
  private day: number;

  constructor(
    private readonly clock: EmulatorClock,
    public max: number,
  ) {
    this.day = Math.floor(clock.now() / DAY);
  }

  private roll(): void {
    const today = Math.floor(this.clock.now() / DAY);
    if (today !== this.day) {
      this.day = today;
      this.used = 0;
    }
  }

  /** Counts one request; false when the limit was already reached (the request is refused). */
  take(): boolean {
    this.roll();
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  usage(): { used: number; max: number } {
    this.roll();
    return { used: this.used, max: this.max };
  }

  /** platform-facts 3.4: `api-usage=18/5000`. */
  header(): string {
    const { used, max } = this.usage();
    return `api-usage=${used}/${max}`;
  }

  exhaust(): void {
    this.roll();
    this.used = this.max;
  }

  setUsed(n: number): void {
    this.roll();
    this.used = Math.max(0, Math.min(n, this.max));
  }

  reset(): void {
    this.used = 0;
    this.day = Math.floor(this.clock.now() / DAY);
  }
}
