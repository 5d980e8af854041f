/**
 * What the demo shows: leads created, leads whose owner the router wrote back, per-rep counts, and the hand-off
 * latency from "lead created" to "owner written", both read from the org's own timestamps (CreatedDate and the
 * LastModifiedDate of the owner write), so the figure is what a sales rep would see.
 */
import { nearestRank } from '../features/stats/percentile';

export interface LeadSnapshot {
  Id: string;
  OwnerId: string;
  CreatedDate: string;
  LastModifiedDate: string;
}

/** Emulator/Salesforce REST datetimes: 2026-11-27T03:04:05.678+0000. */
export function sfTime(text: string): number {
  return Date.parse(text.replace(/\+0000$/, 'Z'));
}

export class Tally {
  private readonly created = new Set<string>();
  private readonly routed = new Map<string, { ownerId: string; latencyMs: number }>();

  constructor(private readonly initialOwnerId: string) {}

  leadCreated(id: string): void {
    this.created.add(id);
  }

  /** Reads the org's leads; a lead created by the demo whose owner changed was routed (first sighting counts). */
  observe(records: LeadSnapshot[]): void {
    for (const r of records) {
      if (!this.created.has(r.Id) || this.routed.has(r.Id) || r.OwnerId === this.initialOwnerId) continue;
      this.routed.set(r.Id, { ownerId: r.OwnerId, latencyMs: Math.max(0, sfTime(r.LastModifiedDate) - sfTime(r.CreatedDate)) });
    }
  }

  get createdCount(): number {
    return this.created.size;
  }

  get routedCount(): number {
    return this.routed.size;
  }

  perOwner(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { ownerId } of this.routed.values()) out.set(ownerId, (out.get(ownerId) ?? 0) + 1);
    return out;
  }

  latency(): { p50: number | null; p99: number | null; max: number | null } {
    const sorted = [...this.routed.values()].map((r) => r.latencyMs).sort((a, b) => a - b);
    return { p50: nearestRank(sorted, 50), p99: nearestRank(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : null };
  }
}
