/**
 * The seams between the emulator's parts: Salesforce REST/OAuth/records (salesforce/), Salesforce streaming
 * (salesforce/streaming/), HubSpot (hubspot/) and Slack (slack/), all mounted by server.ts on one port.
 * The emulator is not Salesforce: it follows ../shared/reference/platform-facts.md for what the router uses.
 */
import type { Router } from 'express';

/** A clock the control surface can move (retention windows, token expiry, SLAs, daily caps). */
export interface EmulatorClock {
  now(): number;
  /** Moves emulated time forward by ms (never backward). */
  advance(ms: number): void;
  reset(): void;
}

export type Surface = 'salesforce' | 'hubspot' | 'slack' | 'control';

/** One request the emulator received, for `/__emulator/calls` (secrets in headers are kept: it is a test tool). */
export interface CallRecord {
  at: number;
  surface: Surface;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  /** Counts toward the Salesforce daily API limit (REST calls do; OAuth, CometD and control calls do not). */
  countsAsApiCall: boolean;
}

export interface EmulatorContext {
  clock: EmulatorClock;
  recordCall(call: CallRecord): void;
  /** http://127.0.0.1:<port> once listening. */
  baseUrl(): string;
}

/** Salesforce compound fields as CDC nests them; REST and Flow use the flat names. */
export type RecordFields = Record<string, unknown>;

/**
 * One committed record change, emitted by the Salesforce record store in commit order for every write through
 * any path (REST single, composite, control-surface seeding, assignment rule side effects).
 * The streaming part turns it into the CometD ChangeEvent payload (nesting compound fields, omitting nulls
 * and unchanged fields as platform-facts 2.2 says).
 */
export interface CommittedChange {
  entityName: string; // 'Lead', 'Account', ...
  changeType:
    | 'CREATE'
    | 'UPDATE'
    | 'DELETE'
    | 'UNDELETE'
    | 'GAP_CREATE'
    | 'GAP_UPDATE'
    | 'GAP_DELETE'
    | 'GAP_UNDELETE'
    | 'GAP_OVERFLOW';
  recordIds: string[];
  /** Flat field values after the change (all fields for CREATE/UNDELETE; changed ones for UPDATE; none for DELETE/GAP_*). */
  fields: RecordFields;
  /** Flat names of changed fields for UPDATE (including LastModifiedDate where it changed); empty otherwise. */
  changedFields: string[];
  /** e.g. "com/salesforce/api/rest/62.0;client=lead-router" or "" (platform-facts 2.5). */
  changeOrigin: string;
  commitUser: string;
  commitTimestamp: number;
  commitNumber: number;
  transactionKey: string;
  sequenceNumber: number;
}

/** What each surface module gives server.ts. */
export interface SurfaceModule {
  /** Mounted at the surface's prefix ('' for Salesforce, '/hubspot', '/slack'). */
  router: Router;
  /** Mounted at /__emulator/<surface>. */
  control?: Router;
  reset(): void;
  close?(): Promise<void>;
}
