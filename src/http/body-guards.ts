import type { NextFunction, Request, Response } from 'express'

import { AppError } from '../errors.ts'

/**
 * What the body parsers refuse (too large, unknown charset or encoding, too many parameters)
 * is the client's mistake, not ours: a 4xx naming it, a warning without a stack, never a 500.
 */
export interface BodyRefusal {
  status: number
  code: string
  message: string
  type: string | undefined
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
}

export function bodyRefusal(e: unknown): BodyRefusal | undefined {
  if (!(e instanceof Error)) return undefined
  // body-parser's errors (http-errors) carry the status and whether the message is for clients.
  const { status, expose, type } = e as { status?: unknown; expose?: unknown; type?: unknown }
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true)
    return undefined
  const hint =
    status === 413
      ? '; send less'
      : status === 415
        ? '; send UTF-8 JSON (or a form), uncompressed or gzip/deflate'
        : ''
  return {
    status,
    code: CODES[status] ?? 'bad_request',
    message: `${e.message}${hint}`,
    type: typeof type === 'string' ? type : undefined,
  }
}

/** Where in a parsed body or query a NUL character hides ("" for the top level), if anywhere. */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k
    if (k.includes('\0')) return path || 'body'
    const found = nulPath(v, here)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Postgres refuses NUL in text ("invalid byte sequence"), which would surface as a 500 halfway
 * through a use-case; no real name, note or password contains one, so it is refused up front.
 */
export function rejectNulBytes(req: Request, _res: Response, next: NextFunction): void {
  const where = nulPath(req.body) ?? nulPath(req.query)
  if (where === undefined) return next()
  next(new AppError('bad_request', `${where || 'body'}: text must not contain NUL (\\u0000)`))
}
