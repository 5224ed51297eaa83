import { timingSafeEqual } from 'node:crypto'

import type { NextFunction, Request, Response } from 'express'
import twilio from 'twilio'

import type { Logger } from '../logger.ts'

/**
 * Every Twilio webhook must carry a valid X-Twilio-Signature for the exact public URL Twilio
 * called. Behind a proxy the host and scheme we see differ from what Twilio signed, so the URL
 * is rebuilt from the configured public base URL plus the original path and query.
 */
export function requireTwilioSignature(opts: {
  authToken: string
  publicBaseUrl: string
  logger: Logger
}) {
  const origin = new URL(opts.publicBaseUrl)
  const prefix = origin.pathname.replace(/\/+$/, '')
  return (req: Request, res: Response, next: NextFunction): void => {
    const signature = req.header('x-twilio-signature')
    const url = `${origin.origin}${prefix}${req.originalUrl}`
    const params = (req.body ?? {}) as Record<string, string>
    if (!signature || !signedFor(opts.authToken, signature, url, params)) {
      opts.logger.warn(
        { path: req.path, hasSignature: Boolean(signature) },
        'twilio signature rejected',
      )
      res.status(403).type('text/plain').send('invalid or missing X-Twilio-Signature\n')
      return
    }
    next()
  }
}

/**
 * Twilio signs the URL it was given, which is ours as configured: one HMAC settles nearly every
 * webhook. Only a mismatch goes on to the library's full check, which also tries the URL with
 * and without its port and in its escaped forms (several HMACs and URL parses each time).
 */
function signedFor(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): boolean {
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params))
  const given = Buffer.from(signature)
  if (given.length === expected.length && timingSafeEqual(given, expected)) return true
  return twilio.validateRequest(authToken, signature, url, params)
}
