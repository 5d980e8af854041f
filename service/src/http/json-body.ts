/**
 * A small, strict JSON body reader (instead of body-parser, which does more than we need on the hot path).
 * - Only `application/json` (or `application/*+json`), UTF-8, no content encoding: anything else is 415.
 * - At most `limit` bytes: checked against Content-Length before reading and while reading: 413.
 * - Nesting deeper than `maxDepth` is refused before JSON.parse (linear scan, no recursion): 400.
 * - `__proto__` keys and `constructor.prototype` are refused (400) so no later merge can pollute prototypes.
 * A request without a body leaves `req.body` undefined.
 */
import type { RequestHandler } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors';

export const MIB = 1024 * 1024;
/** 1 MiB of payload plus room for the envelope, so a 1 MiB ruleset can still be rejected with details. */
export const DEFAULT_BODY_LIMIT = MIB + 64 * 1024;
/** Deep enough for a ruleset with 32 nested condition groups (two JSON levels each) and its envelope. */
export const DEFAULT_MAX_DEPTH = 128;

export interface JsonBodyOptions {
  limit?: number;
  maxDepth?: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** The exact text of each body read here (webhook signatures are computed over it, issue 6). */
const rawBodies = new WeakMap<object, string>();

/** The raw body text of a request whose JSON body was read by jsonBody, or undefined. */
export function rawBodyOf(req: object): string | undefined {
  return rawBodies.get(req);
}

function checkContentType(header: string | undefined): void {
  if (header === undefined) {
    throw new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json', [
      { path: 'headers.content-type', message: 'missing' },
    ]);
  }
  const [type, ...params] = header.split(';');
  if (!JSON_TYPE.test(type!.trim())) {
    throw new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json', [
      { path: 'headers.content-type', message: `unsupported media type ${type!.trim().slice(0, 100)}` },
    ]);
  }
  for (const param of params) {
    const [name, value] = param.split('=');
    if (name?.trim().toLowerCase() !== 'charset') continue;
    const charset = (value ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeError('JSON bodies must be UTF-8', [
        { path: 'headers.content-type', message: `unsupported charset ${charset.slice(0, 40)}` },
      ]);
    }
  }
}

/**
 * Maximum nesting depth of a JSON text, scanning once and skipping string contents; stops early past `max`.
 * Returns max + 1 as soon as the limit is exceeded.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Finds a `__proto__` key or `constructor.prototype` anywhere (iterative walk); returns its path or null. */
export function findPollutingKey(value: unknown): string | null {
  const stack: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: `${path}[${i}]` });
      continue;
    }
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const childPath = path === '' ? key : `${path}.${key}`;
      if (key === '__proto__') return childPath;
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return `${childPath}.prototype`;
      }
      stack.push({ v: child, path: childPath });
    }
  }
  return null;
}

/** Only texts that could spell a dangerous key (directly or with \u escapes) are walked after parsing. */
const MAYBE_POLLUTING = /__proto__|constructor|\\u/;

export function parseJsonText(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new BadRequestError('Request body is nested too deeply', [
      { path: 'body', message: `nesting deeper than ${maxDepth} levels` },
    ], 'invalid_json');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError('Request body is not valid JSON', [
      { path: 'body', message: (err as Error).message.slice(0, 200) },
    ], 'invalid_json');
  }
  if (MAYBE_POLLUTING.test(text)) {
    const path = findPollutingKey(value);
    if (path !== null) {
      throw new BadRequestError('Request body contains a forbidden key', [
        { path, message: 'keys __proto__ and constructor.prototype are not allowed' },
      ], 'forbidden_key');
    }
  }
  return value;
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

export function jsonBody(options: JsonBodyOptions = {}): RequestHandler {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const tooLarge = () =>
    new PayloadTooLargeError(`Request body exceeds ${limit} bytes`, [{ path: 'body', message: `limit is ${limit} bytes` }]);

  return (req, res, next) => {
    if (!hasBody(req.headers)) return next();
    try {
      checkContentType(req.headers['content-type']);
      const encoding = req.headers['content-encoding'];
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        throw new UnsupportedMediaTypeError('Compressed request bodies are not accepted', [
          { path: 'headers.content-encoding', message: `unsupported encoding ${encoding.slice(0, 40)}` },
        ]);
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        // Node drains an unread body after the answer so the client can read it; an absurd one is not worth
        // draining, so that connection is closed instead.
        if (declared > limit * 16) res.setHeader('Connection', 'close');
        throw tooLarge();
      }
    } catch (err) {
      return next(err);
    }

    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (err: unknown) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      next(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        // Keep reading and discarding (bounded by the server's requestTimeout) so the client sees the 413.
        finish(tooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (done) return;
      try {
        const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        let text = buffer.toString('utf8');
        rawBodies.set(req, text); // issue 6: HubSpot signs the exact body
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        if (text.trim() === '') {
          req.body = undefined;
          return finish(undefined);
        }
        req.body = parseJsonText(text, maxDepth);
        finish(undefined);
      } catch (err) {
        finish(err);
      }
    };
    const onError = (err: Error) => finish(new BadRequestError('Could not read the request body', [{ path: 'body', message: err.message }]));
    const onAborted = () => finish(new BadRequestError('Request aborted', [{ path: 'body', message: 'client aborted' }]));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  };
}
