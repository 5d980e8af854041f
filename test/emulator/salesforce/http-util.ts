/**
 * Small HTTP helpers of the Salesforce surface: a body reader (the emulator parses bodies itself so malformed
 * JSON gets the platform's JSON_PARSER_ERROR, and nothing is parsed for paths it does not own) and error replies.
 */
import type { NextFunction, Request, Response } from 'express';
import { SfError } from './errors';

const MAX_BODY = 64 * 1024 * 1024;

declare module 'express-serve-static-core' {
  interface Request {
    rawBody?: string;
  }
}

/** Reads the request body as text into req.rawBody (once). */
export function readRawBody(req: Request, res: Response, next: NextFunction): void {
  if (req.rawBody !== undefined || req.method === 'GET' || req.method === 'HEAD') {
    req.rawBody ??= '';
    next();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY && !failed) {
      failed = true;
      res.status(413).json([{ message: 'Request body too large', errorCode: 'REQUEST_TOO_LARGE' }]);
      req.destroy();
      return;
    }
    if (!failed) chunks.push(c);
  });
  req.on('end', () => {
    if (failed) return;
    req.rawBody = Buffer.concat(chunks).toString('utf8');
    next();
  });
  req.on('error', () => {
    if (!res.headersSent) res.status(400).end();
  });
}

/** Parses a JSON body; empty -> undefined; invalid -> JSON_PARSER_ERROR (platform-facts 3.5 lists it as 400). */
export function jsonBody(req: Request): unknown {
  const text = req.rawBody ?? '';
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    req.body = value;
    return value;
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message));
    const at = pos ? Number(pos[1]) : 0;
    const ch = text[at] ?? '';
    throw new SfError(400, 'JSON_PARSER_ERROR', `Unexpected character ('${ch}' (code ${ch.charCodeAt(0) || 0})): was expecting double-quote to start field name at [line:1, column:${at + 1}]`);
  }
}

export function sendSfError(res: Response, err: unknown): void {
  if (res.headersSent) return;
  if (err instanceof SfError) {
    res.status(err.status).json(err.body());
    return;
  }
  console.error('emulator: unexpected error', err);
  res.status(500).json([{ message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 0000000000-00000 (-0000000000)', errorCode: 'UNKNOWN_EXCEPTION' }]);
}

/** Wraps a handler so thrown errors become platform error replies, never a crash. */
export function handle(fn: (req: Request, res: Response) => void | Promise<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (err) {
      sendSfError(res, err);
    }
  };
}
