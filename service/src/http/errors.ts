/**
 * The one error family of the HTTP layer. Services and controllers throw these; the error middleware
 * (error-handler.ts) turns any of them into the contract's shape:
 * `{"error": {"code": "...", "message": "...", "details": [{"path": "...", "message": "..."}]}}`.
 * Nothing here imports express, so feature services may throw these without depending on HTTP.
 */

export interface ErrorDetail {
  /** Where the problem is, relative to the request part: `lead.Id`, `leads[3].Id`, `limit`, or `body`. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

/** 400. `code` defaults to `bad_request`; pass a more precise one (`invalid_json`, `validation_failed`, ...). */
export class BadRequestError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'bad_request') {
    super(400, code, message, details);
  }
}

/** 401. The message is fixed on purpose: a missing and a wrong token must be indistinguishable. */
export class UnauthorizedError extends AppError {
  constructor() {
    super(401, 'unauthorized', 'Missing or invalid bearer token');
  }
}

/** 403: a valid token whose scope does not allow this route (the callout token on an admin route). */
export class ForbiddenError extends AppError {
  constructor(message = 'This token may not call this route') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'not_found') {
    super(404, code, message, details);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(message: string) {
    super(405, 'method_not_allowed', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'conflict') {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(413, 'payload_too_large', message, details);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(415, 'unsupported_media_type', message, details);
  }
}

/** 422: well-formed input that cannot be processed in the current state (e.g. activating a missing version). */
export class UnprocessableError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'unprocessable') {
    super(422, code, message, details);
  }
}

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
