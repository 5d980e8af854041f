/**
 * The streaming part assembled: faye's Bayeux server with the Salesforce extension, per-client sessions, the
 * event log, the HTTP front, and the fault operations the control surface calls.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRecord, CommittedChange, EmulatorClock } from '../../context';
import { EMPTY_ID, to18 } from '../ids';
import { ChannelRegistry, type ChannelOptions } from './channels';
import { EventLog, type StoredEvent } from './event-log';
import { createFayeAdapter, type FayeNodeAdapter } from './faye-server';
import { HttpFront } from './http-front';
import { Sessions } from './sessions';
import { createSfdcExtension, type SfdcRules, type TokenValidator } from './sfdc-extension';

/** Who gap and overflow events name as commitUser when the caller gives nobody (the emulator's integration user). */
export const DEFAULT_COMMIT_USER = to18('005000000000001');

export interface StreamingCoreOptions extends SfdcRules, ChannelOptions {
  maxRequestBytes: number;
  bayeuxBrowserCookie: boolean;
  /** Events handed to one connect reply at most (a -2 replay of a long backlog arrives over several polls). */
  maxEventsPerConnect: number;
}

export class StreamingCore {
  readonly adapter: FayeNodeAdapter;
  readonly sessions: Sessions;
  readonly channels: ChannelRegistry;
  readonly front: HttpFront;
  private commitNumber = 91_000_000_000;
  private readonly detach: (() => void)[] = [];

  constructor(
    readonly clock: EmulatorClock,
    readonly log: EventLog,
    auth: TokenValidator,
    readonly options: StreamingCoreOptions,
    recordCall?: (call: CallRecord) => void,
  ) {
    // platform-facts 1.4: the server holds a long poll up to 110 s (faye counts in seconds).
    this.adapter = createFayeAdapter(options.longPollTimeoutMs / 1000);
    const engine = this.adapter._server._engine;
    this.channels = new ChannelRegistry(options);
    this.sessions = new Sessions(engine, log, this.channels, options.maxEventsPerConnect);
    this.adapter.addExtension(
      createSfdcExtension({ rules: options, auth, sessions: this.sessions, channels: this.channels, log, forget: (id) => this.drop(id) }),
    );

    const onDisconnect = (clientId: string) => this.sessions.remove(clientId);
    const onUnsubscribe = (clientId: string, channel: string) => this.sessions.unsubscribe(clientId, channel);
    // A /meta/connect just opened a faye connection: hand it what queued up while the client was away.
    const onConnectionOpen = (clientId: string) => this.sessions.flushById(clientId);
    this.adapter.bind('disconnect', onDisconnect);
    this.adapter.bind('unsubscribe', onUnsubscribe);
    engine.bind('connection:open', onConnectionOpen);
    this.detach.push(
      () => this.adapter.unbind('disconnect', onDisconnect),
      () => this.adapter.unbind('unsubscribe', onUnsubscribe),
      () => engine.unbind('connection:open', onConnectionOpen),
      log.onEvent((event) => {
        this.channels.addEntity(event.entityName);
        this.sessions.publish(event);
      }),
    );

    this.front = new HttpFront(this.adapter._server, {
      maxRequestBytes: options.maxRequestBytes,
      bayeuxBrowserCookie: options.bayeuxBrowserCookie,
      recordCall,
      now: () => clock.now(),
    });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.front.handle(req, res);
  }

  /** platform-facts 1.5: the server forgets the client; its next connect gets 403::Unknown client. */
  drop(clientId: string): boolean {
    if (!this.sessions.get(clientId)) return false;
    this.adapter._server._engine.destroyClient(clientId);
    this.sessions.remove(clientId);
    return true;
  }

  dropAll(): string[] {
    const ids = this.sessions.ids();
    for (const id of ids) this.drop(id);
    return ids;
  }

  /** platform-facts 2.4: a gap event carries the header only, changeOrigin "". */
  emitGap(entityName: string, recordIds: string[], changeType: CommittedChange['changeType'], commitUser?: string): StoredEvent {
    return this.log.append(this.headerOnlyChange(entityName, recordIds, changeType, commitUser));
  }

  /** platform-facts 2.4: one overflow event per entity, recordIds the empty id. */
  emitOverflow(entityName: string, commitUser?: string): StoredEvent {
    return this.log.append(this.headerOnlyChange(entityName, [EMPTY_ID], 'GAP_OVERFLOW', commitUser));
  }

  /**
   * Empties the retained events (replayIds keep counting, so an old id is now invalid). Connected clients are
   * outside actors: they stay subscribed and get the events of the fresh org; what was queued for them goes.
   */
  reset(): void {
    this.sessions.clearPending();
    this.log.reset();
  }

  close(): void {
    this.dropAll();
    for (const d of this.detach.splice(0)) d();
    // Flushes held long polls and stops faye's per-client timers (toolchain.md: jest must exit).
    this.adapter.close();
  }

  private headerOnlyChange(
    entityName: string,
    recordIds: string[],
    changeType: CommittedChange['changeType'],
    commitUser?: string,
  ): CommittedChange {
    return {
      entityName,
      changeType,
      recordIds,
      fields: {},
      changedFields: [],
      changeOrigin: '',
      commitUser: commitUser ?? DEFAULT_COMMIT_USER,
      commitTimestamp: this.clock.now(),
      commitNumber: ++this.commitNumber,
      transactionKey: randomUUID(),
      sequenceNumber: 1,
    };
  }
}
