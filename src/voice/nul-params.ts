import type { NextFunction, Request, Response } from 'express'

import type { Logger } from '../logger.ts'

/**
 * A NUL in a Twilio parameter (a caller name from the network, garbled key presses) cannot be
 * stored in Postgres and is no key a caller pressed. The request is signed, so it is Twilio's and
 * must still get TwiML that keeps the call going: the parameter is dropped, as if Twilio had not
 * sent it. A key press becomes "no input" (the caller is asked again), a caller name unknown.
 * Parameters named in `strip` (an SMS's text) lose only the NUL characters: the caller's "1"
 * with a stray NUL is still their answer. Runs after the signature check, which covers the
 * parameters exactly as Twilio sent them.
 */
export function dropNulParams(logger: Logger, strip: readonly string[] = []) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const body = req.body as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object') return next()
    const dropped = Object.keys(body).filter((k) => {
      const v = body[k]
      return k.includes('\0') || (typeof v === 'string' && v.includes('\0'))
    })
    if (dropped.length === 0) return next()
    for (const k of dropped) {
      const v = body[k]
      if (strip.includes(k) && typeof v === 'string') body[k] = v.replaceAll('\0', '')
      else delete body[k]
    }
    ;(req.log ?? logger).warn(
      { params: dropped.map((k) => k.replaceAll('\0', '\\0')) },
      'twilio parameters with a NUL character dropped or cleaned',
    )
    next()
  }
}
