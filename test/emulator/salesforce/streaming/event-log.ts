/**
 * The org's retained change events: one replayId sequence per org, kept for a retention window measured by the
 * emulator clock. An EventLog outlives one streaming server: hand the same log to a new emulator instance (an
 * in-process restart) and subscribers resume from their last replayId with nothing lost.
 */
import type { CommittedChange, EmulatorClock } from '../../context';
import { buildChangeEventData, entityChannel, type ChangeEventData } from './change-event';

/** platform-facts 1.3: CDC events are kept 72 hours. */
export const DEFAULT_RETENTION_MS = 72 * 60 * 60 * 1000;

export interface StoredEvent {
  replayId: number;
  /** Emulator-clock time the event was published (retention counts from here). */
  publishedAt: number;
  entityName: string;
  /** The per-entity channel; every event is also delivered on /data/ChangeEvents. */
  channel: string;
  data: ChangeEventData;
}

export interface EventLogOptions {
  clock: EmulatorClock;
  /** Retention window in ms (platform-facts 1.3: 72 h). */
  retentionMs?: number;
  /**
   * How far apart consecutive replayIds are. platform-facts 1.3: ids are not guaranteed contiguous (after 999
   * you might get 1,025). A number (default 1) or a function giving the next gap (>= 1).
   */
  replayIdStep?: number | ((previous: number) => number);
  /** The first replayId issued (default 1). */
  firstReplayId?: number;
}

export interface EventLogSnapshot {
  latestReplayId: number;
  droppedThroughReplayId: number;
  events: StoredEvent[];
}

export interface CommitSource {
  onCommit(listener: (change: CommittedChange) => void): () => void;
}

export type EventListener = (event: StoredEvent) => void;

export class EventLog {
  private readonly events: StoredEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly sources = new Map<CommitSource, () => void>();
  private lastId: number;
  private readonly firstReplayId: number;
  /** The highest replayId dropped by retention or purge (0: none). */
  private droppedThrough = 0;
  retentionMs: number;
  replayIdStep: number | ((previous: number) => number);
  readonly clock: EmulatorClock;

  constructor(opts: EventLogOptions) {
    this.clock = opts.clock;
    this.retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    this.replayIdStep = opts.replayIdStep ?? 1;
    this.firstReplayId = opts.firstReplayId ?? 1;
    this.lastId = this.firstReplayId - 1;
  }

  /** The log's state as plain JSON (retained events and the replayId position), for a restart in a new process. */
  snapshot(): EventLogSnapshot {
    return { latestReplayId: this.lastId, droppedThroughReplayId: this.droppedThrough, events: structuredClone(this.events) };
  }

  /** A log that continues a snapshot: same retained events, replayIds go on after the snapshot's latest. */
  static restore(snapshot: EventLogSnapshot, opts: EventLogOptions): EventLog {
    const log = new EventLog(opts);
    log.lastId = Math.max(snapshot.latestReplayId, log.firstReplayId - 1);
    log.droppedThrough = snapshot.droppedThroughReplayId;
    log.events.push(...structuredClone(snapshot.events).sort((a, b) => a.replayId - b.replayId));
    return log;
  }

  /**
   * Records every committed change of a record store, in commit order. Returns the detach function. Listening
   * to a store the log already listens to changes nothing (and the returned function detaches nothing), so a
   * restarted emulator never records a change twice.
   */
  listenTo(source: CommitSource): () => void {
    if (this.sources.has(source)) return () => undefined;
    const off = source.onCommit((change) => this.append(change));
    this.sources.set(source, off);
    return () => {
      if (this.sources.get(source) !== off) return;
      this.sources.delete(source);
      off();
    };
  }

  /** Listeners run synchronously in publish order (the streaming server's live delivery). */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(change: CommittedChange): StoredEvent {
    if (this.lastId < this.firstReplayId) this.lastId = this.firstReplayId;
    else {
      const step = typeof this.replayIdStep === 'function' ? this.replayIdStep(this.lastId) : this.replayIdStep;
      if (!Number.isInteger(step) || step < 1) throw new RangeError('replayId step must be an integer >= 1');
      this.lastId += step;
    }
    const event: StoredEvent = {
      replayId: this.lastId,
      publishedAt: this.clock.now(),
      entityName: change.entityName,
      channel: entityChannel(change.entityName),
      data: buildChangeEventData(change, this.lastId),
    };
    this.events.push(event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('emulator streaming: event listener failed', err);
      }
    }
    return event;
  }

  /** The highest replayId issued so far (0 before the first event). */
  get latestReplayId(): number {
    return this.lastId;
  }

  /** Events still inside the retention window, oldest first (expired ones are dropped here). */
  retained(): StoredEvent[] {
    this.expire();
    return [...this.events];
  }

  isRetained(replayId: number): boolean {
    this.expire();
    return this.events.some((e) => e.replayId === replayId);
  }

  /** The highest replayId no longer retained (0 when nothing was dropped yet). */
  get droppedThroughReplayId(): number {
    this.expire();
    return this.droppedThrough;
  }

  /** Retained events after a replayId (platform-facts 1.3: "events after that id"), oldest first. */
  after(replayId: number): StoredEvent[] {
    return this.retained().filter((e) => e.replayId > replayId);
  }

  /** Drops events whose retention ran out by the emulator clock. Returns how many were dropped. */
  expire(): number {
    const cutoff = this.clock.now() - this.retentionMs;
    let n = 0;
    while (this.events.length && this.events[0].publishedAt <= cutoff) {
      this.droppedThrough = Math.max(this.droppedThrough, this.events.shift()!.replayId);
      n++;
    }
    return n;
  }

  /** Drops retained events published at or before `before` (epoch ms of the emulator clock), or all of them. */
  purge(before?: number): number {
    const keep = before === undefined ? [] : this.events.filter((e) => e.publishedAt > before);
    const dropped = this.events.length - keep.length;
    for (const e of this.events) if (!keep.includes(e)) this.droppedThrough = Math.max(this.droppedThrough, e.replayId);
    this.events.splice(0, this.events.length, ...keep);
    return dropped;
  }

  /** Empties the log; replayIds keep counting up, so an id is never reused by one org. */
  reset(): void {
    this.droppedThrough = this.lastId;
    this.events.length = 0;
  }
}
