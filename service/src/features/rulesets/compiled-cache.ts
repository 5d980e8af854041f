/**
 * Compiled rulesets per (name, version). Versions are immutable, so an entry never goes stale; the cache is
 * only bounded (least recently used out). The active version number itself is read in each decision's
 * transaction (a primary-key lookup), so an activation by another process (CLI, another replica) is seen at once.
 */
import { compileRuleset, type CompiledRuleset } from '../../core';
import type { StoreReads } from '../store-port';

export class CompiledRulesetCache {
  private readonly entries = new Map<string, CompiledRuleset>();

  constructor(private readonly capacity = 256) {}

  async get(reads: Pick<StoreReads, 'getRulesetVersion'>, name: string, version: number): Promise<CompiledRuleset | null> {
    const key = `${name}@${version}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const record = await reads.getRulesetVersion(name, version);
    if (!record) return null;
    const compiled = compileRuleset(record.ruleset, version);
    this.entries.set(key, compiled);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return compiled;
  }
}
