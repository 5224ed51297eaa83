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
    if (!signature || !twilio.validateRequest(opts.authToken, signature, url, params)) {
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
