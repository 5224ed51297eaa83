import type { NextFunction, Request, Response } from 'express'
import { ZodError } from 'zod'

import { AppError, coerceError, TooManyRequestsError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { bodyRefusal } from './body-guards.ts'

const STATUS: Record<AppError['code'], number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  unavailable: 503,
  too_many_requests: 429,
}

/** The one place JSON API errors become responses: `{ error: { code, message, details? } }`. */
export function jsonErrorHandler(logger: Logger) {
  return (e: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (e instanceof ZodError) {
      res.status(400).json({
        error: {
          code: 'bad_request',
          message: e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        },
      })
      return
    }
    if (e instanceof SyntaxError && 'body' in e) {
      res.status(400).json({ error: { code: 'bad_request', message: 'body is not valid JSON' } })
      return
    }
    if (e instanceof TooManyRequestsError) res.setHeader('Retry-After', String(e.retryAfterSeconds))
    if (e instanceof AppError) {
      res.status(STATUS[e.code]).json({ error: { code: e.code, message: e.message } })
      return
    }
    const refused = bodyRefusal(e)
    if (refused) {
      ;(req.log ?? logger).warn({ status: refused.status, type: refused.type }, 'body refused')
      res.status(refused.status).json({ error: { code: refused.code, message: refused.message } })
      return
    }
    ;(req.log ?? logger).error({ err: coerceError(e) }, 'api request failed')
    res
      .status(500)
      .json({ error: { code: 'internal', message: 'internal error; see the service log' } })
  }
}
