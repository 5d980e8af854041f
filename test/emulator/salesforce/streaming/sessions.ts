/**
 * The Salesforce side of each CometD client: who it is (the token's user), what it subscribed to with which
 * replay position, and the events waiting for its next /meta/connect. faye keeps the Bayeux protocol state
 * (client ids, held connects, timeouts); delivery is per client here, because replay makes what a client
 * receives depend on where it asked to start, not only on what it subscribed to.
 */
import type { ChannelRegistry } from './channels';
import type { EventLog, StoredEvent } from './event-log';
import type { BayeuxMessage, FayeEngine } from './faye-server';

export interface Subscription {
  channel: string;
  /** What the subscribe asked for: -1 (tip), -2 (all retained) or a replayId. */
  replayFrom: number;
  subscribedAt: number;
  delivered: number;
  lastReplayId?: number;
}

export interface Session {
  clientId: string;
  userId: string;
  orgId: string;
  createdAt: number;
  firstConnectAnswered: boolean;
  /** Real time of the last connect reply while no connect is pending (platform-facts 1.4 reconnect timeout). */
  answeredAt?: number;
  connects: number;
  subscriptions: Map<string, Subscription>;
  outbox: BayeuxMessage[];
}

export interface SessionView {
  clientId: string;
  userId: string;
  createdAt: number;
  connected: boolean;
  connects: number;
  pending: number;
  subscriptions: Subscription[];
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly engine: FayeEngine,
    private readonly log: EventLog,
    private readonly channels: ChannelRegistry,
    private readonly maxEventsPerConnect = 1000,
  ) {}

  create(clientId: string, userId: string, orgId: string): Session {
    const session: Session = {
      clientId,
      userId,
      orgId,
      createdAt: this.log.clock.now(),
      firstConnectAnswered: false,
      connects: 0,
      subscriptions: new Map(),
      outbox: [],
    };
    this.byId.set(clientId, session);
    return session;
  }

  get(clientId: string | undefined): Session | undefined {
    return clientId ? this.byId.get(clientId) : undefined;
  }

  remove(clientId: string): void {
    this.byId.delete(clientId);
  }

  unsubscribe(clientId: string, channel: string): void {
    this.byId.get(clientId)?.subscriptions.delete(channel);
  }

  /**
   * Starts (or restarts) a subscription. platform-facts 1.3: -1 = new events only, -2 = every retained event,
   * a replayId = the retained events after it. History is queued before any later live event.
   */
  subscribe(session: Session, channel: string, replayFrom: number): void {
    const sub: Subscription = { channel, replayFrom, subscribedAt: this.log.clock.now(), delivered: 0 };
    session.subscriptions.set(channel, sub);
    if (replayFrom === -1) return;
    const history = replayFrom === -2 ? this.log.retained() : this.log.after(replayFrom);
    for (const event of history) if (this.channels.carries(channel, event)) this.queue(session, sub, event);
    this.flush(session);
  }

  /** Live delivery of a newly published event to every subscription that carries it, in publish order. */
  publish(event: StoredEvent): void {
    for (const session of this.byId.values()) {
      let queued = false;
      for (const sub of session.subscriptions.values()) {
        if (!this.channels.carries(sub.channel, event)) continue;
        this.queue(session, sub, event);
        queued = true;
      }
      if (queued) this.flush(session);
    }
  }

  /**
   * Hands queued events to faye when the client has a /meta/connect waiting (or just opened one), at most
   * maxEventsPerConnect at a time; the rest goes with the following connects, in order.
   */
  flush(session: Session): void {
    if (!session.outbox.length || !this.engine.hasConnection(session.clientId)) return;
    this.engine.deliver(session.clientId, session.outbox.splice(0, this.maxEventsPerConnect));
  }

  flushById(clientId: string): void {
    const s = this.byId.get(clientId);
    if (s) this.flush(s);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  view(): SessionView[] {
    return [...this.byId.values()].map((s) => ({
      clientId: s.clientId,
      userId: s.userId,
      createdAt: s.createdAt,
      connected: this.engine.hasConnection(s.clientId),
      connects: s.connects,
      pending: s.outbox.length,
      subscriptions: [...s.subscriptions.values()].map((x) => ({ ...x })),
    }));
  }

  clearPending(): void {
    for (const s of this.byId.values()) s.outbox.length = 0;
  }

  private queue(session: Session, sub: Subscription, event: StoredEvent): void {
    sub.delivered++;
    sub.lastReplayId = event.replayId;
    // platform-facts 2.1: the envelope is {channel, data: {schema, payload, event: {replayId}}}.
    session.outbox.push({ channel: sub.channel, data: structuredClone(event.data) });
  }
}
