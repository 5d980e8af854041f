/**
 * Salesforce REST error answers: an array of {message, errorCode, fields?} (platform-facts 3.1, 3.5).
 */
export interface SfErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  body(): SfErrorItem[] {
    const item: SfErrorItem = { message: this.message, errorCode: this.errorCode };
    if (this.fields) item.fields = this.fields;
    return [item];
  }
}

// platform-facts 3.5: statuses and messages of the REST errors.
export const sfErrors = {
  invalidSession: () => new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
  limitExceeded: () => new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
  malformedId: (id: string) => new SfError(400, 'MALFORMED_ID', `malformed id ${id}`),
  notFound: () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist'),
  entityNotFound: (type: string, id: string) => new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`, [type]),
  entityDeleted: () => new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted'),
  notFoundType: (type: string) => new SfError(404, 'NOT_FOUND', `The requested resource does not exist: sObject type '${type}' is not supported.`),
  jsonParser: (detail: string) => new SfError(400, 'JSON_PARSER_ERROR', detail),
  methodNotAllowed: (method: string, allowed: string[]) =>
    new SfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`),
  unsupportedMediaType: () => new SfError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type header specified in HTTP request is not supported: '),
  unsupportedVersion: () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist'),
  // platform-facts 3.1: 503 is a documented REST status.
  unavailable: () => new SfError(503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable. Please try again later.'),
  // platform-facts 3.5: UNABLE_TO_LOCK_ROW (status selectable: UNCERTAIN).
  unableToLockRow: (status: number) => new SfError(status, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record', []),
};
