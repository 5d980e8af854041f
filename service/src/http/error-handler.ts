/**
 * The one error middleware: every error becomes the contract's JSON shape. Client mistakes (including errors
 * raised by express itself, such as undecodable path parameters) are 4xx with details; anything unexpected is a
 * 500 with a generic message, logged with the request id and never with headers or body.
 */
import type { ErrorRequestHandler, Request } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../logger';
import { AppError, errorBody, type ErrorBody } from './errors';
import { zodIssuesToDetails } from './validate';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
};

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  message?: unknown;
}

/** Errors from express, its router or body-parser carry a 4xx `status` (http-errors); map them by status. */
function fromHttpError(err: HttpishError): { status: number; body: ErrorBody } | null {
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : 0;
  if (status < 400 || status > 499) return null;
  const raw = typeof err.message === 'string' ? err.message : '';
  if (err.type === 'entity.parse.failed') {
    return { status: 400, body: errorBody('invalid_json', 'Request body is not valid JSON', [{ path: 'body', message: raw.slice(0, 200) }]) };
  }
  if (/^Failed to decode param/.test(raw)) {
    return { status: 400, body: errorBody('bad_request', 'Malformed percent-encoding in the URL path', [{ path: 'path', message: raw.slice(0, 200) }]) };
  }
  const code = CODE_BY_STATUS[status] ?? 'client_error';
  return { status, body: errorBody(code, raw.slice(0, 200) || code, []) };
}

function describeRequest(req: Request, requestId: unknown) {
  return { requestId, method: req.method, path: req.path.slice(0, 200) };
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = res.locals.requestId;
    let status: number;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.status;
      body = err.toBody();
    } else if (err instanceof ZodError) {
      // A schema used without parseOrThrow: still the client's input, so still a 400 with details.
      status = 400;
      body = errorBody('validation_failed', 'Invalid request', zodIssuesToDetails(err.issues, 'body'));
    } else {
      const mapped = err !== null && typeof err === 'object' ? fromHttpError(err as HttpishError) : null;
      if (mapped) {
        status = mapped.status;
        body = mapped.body;
      } else {
        status = 500;
        body = errorBody('internal_error', 'Internal server error');
        logger.error({ err, ...describeRequest(req, requestId) }, 'unhandled error');
      }
    }
    if (status < 500) logger.debug({ ...describeRequest(req, requestId), status, code: body.error.code }, 'client error');

    if (res.headersSent) {
      // Too late for a JSON answer: cut the connection so the client sees a failure, not a truncated success.
      logger.warn({ ...describeRequest(req, requestId), status }, 'error after headers were sent');
      res.destroy();
      return;
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json(body);
  };
}
