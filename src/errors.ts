/** One small hierarchy: domain errors carry a code; each surface maps codes to responses once. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_state'
  | 'unavailable'
  | 'too_many_requests'

export class AppError extends Error {
  override name = 'AppError'
  readonly code: ErrorCode
  readonly details: unknown
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: opts.cause })
    this.code = code
    this.details = opts.details
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError'
  constructor(what: string, id: string | number) {
    super('not_found', `${what} ${id} not found`)
  }
}

/** Refused for a while (e.g. too many failed logins): the answer says when to try again. */
export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError'
  readonly retryAfterSeconds: number
  constructor(message: string, retryAfterSeconds: number) {
    super('too_many_requests', message)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export function coerceError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
