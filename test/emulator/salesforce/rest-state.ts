/** Per-request state the REST middleware leaves in res.locals for the resource handlers. */
import type { Response } from 'express';
import type { WriteActor } from './records';

export interface RestState {
  /** e.g. "62.0" */
  version: string;
  userId: string;
  /** changeOrigin from Sforce-Call-Options (platform-facts 2.5). */
  actor: WriteActor;
  /** changeOrigin without the client part (composite when it does not honour call options). */
  actorWithoutClient: WriteActor;
  /** Sforce-Auto-Assign (platform-facts 3.3). */
  autoAssign: boolean;
  /** Whether the request carried an explicit Sforce-Auto-Assign header. */
  autoAssignHeader?: string;
}

export function restState(res: Response): RestState {
  return res.locals.sf as RestState;
}
