/**
 * Which `/data/...` channels exist and which events each carries (platform-facts 1.6).
 */
import { SCHEMA } from '../schema';
import { ALL_CHANGE_EVENTS, entityChannel } from './change-event';
import type { StoredEvent } from './event-log';

export interface ChannelOptions {
  /** Entities with change events besides the schema's objects (custom ones end in `__c`). */
  extraEntities?: string[];
  /**
   * platform-facts 1.6: custom channels `/data/<Name>__chn` with their member entities,
   * e.g. `{ '/data/SalesEvents__chn': ['Lead'] }`.
   */
  customChannels?: Record<string, string[]>;
}

export class ChannelRegistry {
  private readonly entityChannels = new Map<string, string>();
  private readonly custom = new Map<string, Set<string>>();

  constructor(opts: ChannelOptions = {}) {
    for (const entity of [...Object.keys(SCHEMA), ...(opts.extraEntities ?? [])]) this.addEntity(entity);
    for (const [channel, members] of Object.entries(opts.customChannels ?? {})) {
      this.custom.set(channel, new Set(members));
    }
  }

  addEntity(entityName: string): void {
    this.entityChannels.set(entityChannel(entityName), entityName);
  }

  /** platform-facts 1.6: names are case-sensitive, so lookups are exact. */
  exists(channel: string): boolean {
    return channel === ALL_CHANGE_EVENTS || this.entityChannels.has(channel) || this.custom.has(channel);
  }

  carries(channel: string, event: StoredEvent): boolean {
    if (channel === ALL_CHANGE_EVENTS || channel === event.channel) return true;
    return this.custom.get(channel)?.has(event.entityName) ?? false;
  }

  list(): string[] {
    return [ALL_CHANGE_EVENTS, ...this.entityChannels.keys(), ...this.custom.keys()];
  }
}
