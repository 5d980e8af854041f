/**
 * HubSpot API rate limits, per portal and shared by its apps (platform-facts 5: Rate limits).
 * Burst policy TEN_SECONDLY_ROLLING (private apps) or SECONDLY, plus a DAILY budget reset at UTC midnight of
 * the emulator clock. Rejected requests do not consume budget. Tier numbers are UNCERTAIN, so all are settable.
 */
import type { EmulatorClock } from '../context';
import type { RatePolicy } from './errors';

/**
 * Which header family answers carry (platform-facts 5): 'daily-secondly' = X-HubSpot-RateLimit-Daily/-Secondly
 * (+ -Remaining), 'interval' = X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds (UNCERTAIN), or both.
 */
export type RateHeaderFamilies = 'both' | 'daily-secondly' | 'interval' | 'none';

export interface RateLimitConfig {
  /** Burst window policy; default TEN_SECONDLY_ROLLING. */
  burstPolicy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY';
  /** Requests per rolling 10 s (TEN_SECONDLY_ROLLING); default 100. */
  tenSecondly: number;
  /** Requests per second (SECONDLY policy); default 10. */
  secondly: number;
  /** Requests per day; default 250000. */
  daily: number;
  headers: RateHeaderFamilies;
  /** Add `groupName` to 429 bodies as older captures do. */
  groupNameInBody: boolean;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = {
  burstPolicy: 'TEN_SECONDLY_ROLLING',
  tenSecondly: 100,
  secondly: 10,
  daily: 250_000,
  headers: 'both',
  groupNameInBody: false,
};

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; policyName: RatePolicy; headers: Record<string, string> };

const DAY_MS = 86_400_000;

export class HubspotRateLimiter {
  config: RateLimitConfig;
  private recent: number[] = [];
  private dayStart = 0;
  private dailyUsed = 0;
  private storm: { remaining: number; policyName: RatePolicy } | null = null;

  constructor(
    private readonly clock: EmulatorClock,
    config: Partial<RateLimitConfig> = {},
  ) {
    this.config = { ...DEFAULT_RATE_LIMIT, ...config };
  }

  configure(patch: Partial<RateLimitConfig>): void {
    this.config = { ...this.config, ...patch };
  }

  reset(config?: Partial<RateLimitConfig>): void {
    if (config) this.config = { ...DEFAULT_RATE_LIMIT, ...config };
    this.recent = [];
    this.dailyUsed = 0;
    this.dayStart = 0;
    this.storm = null;
  }

  /** The next `count` requests are answered 429 with `policyName`, whatever the budgets say. */
  forceStorm(count: number, policyName: RatePolicy = this.config.burstPolicy): void {
    this.storm = count > 0 ? { remaining: count, policyName } : null;
  }

  exhaustDaily(): void {
    this.rollDay();
    this.dailyUsed = this.config.daily;
  }

  /** Counts one request if allowed; always returns the headers to send. */
  take(): RateDecision {
    const now = this.clock.now();
    this.rollDay();
    const windowMs = this.windowMs();
    this.recent = this.recent.filter((t) => now - t < windowMs);
    if (this.storm) {
      const policyName = this.storm.policyName;
      if (--this.storm.remaining <= 0) this.storm = null;
      return { allowed: false, policyName, headers: this.headers(now, true) };
    }
    if (this.dailyUsed >= this.config.daily)
      return { allowed: false, policyName: 'DAILY', headers: this.headers(now, false) };
    if (this.recent.length >= this.burstMax()) {
      return { allowed: false, policyName: this.config.burstPolicy, headers: this.headers(now, false) };
    }
    this.recent.push(now);
    this.dailyUsed++;
    return { allowed: true, headers: this.headers(now, false) };
  }

  usage(): { dailyUsed: number; inWindow: number; windowMs: number; burstMax: number } {
    const now = this.clock.now();
    return {
      dailyUsed: this.dailyUsed,
      inWindow: this.recent.filter((t) => now - t < this.windowMs()).length,
      windowMs: this.windowMs(),
      burstMax: this.burstMax(),
    };
  }

  private windowMs(): number {
    return this.config.burstPolicy === 'SECONDLY' ? 1000 : 10_000;
  }

  private burstMax(): number {
    return this.config.burstPolicy === 'SECONDLY' ? this.config.secondly : this.config.tenSecondly;
  }

  private rollDay(): void {
    const start = Math.floor(this.clock.now() / DAY_MS) * DAY_MS;
    if (start !== this.dayStart) {
      this.dayStart = start;
      this.dailyUsed = 0;
    }
  }

  private headers(now: number, stormed: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    const family = this.config.headers;
    const inWindow = this.recent.filter((t) => now - t < this.windowMs()).length;
    const windowRemaining = stormed ? 0 : Math.max(0, this.burstMax() - inWindow);
    if (family === 'both' || family === 'daily-secondly') {
      // 2018 changelog family (platform-facts 5): per-day and per-second budgets.
      const perSecond =
        this.config.burstPolicy === 'SECONDLY' ? this.config.secondly : Math.ceil(this.config.tenSecondly / 10);
      const lastSecond = this.recent.filter((t) => now - t < 1000).length;
      h['X-HubSpot-RateLimit-Daily'] = String(this.config.daily);
      h['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.config.daily - this.dailyUsed));
      h['X-HubSpot-RateLimit-Secondly'] = String(perSecond);
      h['X-HubSpot-RateLimit-Secondly-Remaining'] = String(stormed ? 0 : Math.max(0, perSecond - lastSecond));
    }
    if (family === 'both' || family === 'interval') {
      // Interval family on the burst window (platform-facts 5, UNCERTAIN).
      h['X-HubSpot-RateLimit-Max'] = String(this.burstMax());
      h['X-HubSpot-RateLimit-Remaining'] = String(windowRemaining);
      h['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(this.windowMs());
    }
    return h;
  }
}
