import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import helmet from 'helmet'

/**
 * The console is plain ES modules from this origin: no inline script, no inline style sheets
 * (Preact's style props go through the CSSOM, which CSP does not block). Its scripts are all
 * ours (Twilio's Voice SDK included, served from node_modules); the one third party it talks to
 * is Twilio, for the browser softphone: signalling over wss://voice-js.<edge>.twilio.com, call
 * quality events to https://eventgw.twilio.com, ringtones from https://sdk.twilio.com.
 */
const CONSOLE_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'", 'wss://*.twilio.com', 'https://*.twilio.com'],
  'media-src': ["'self'", 'blob:', 'https://sdk.twilio.com'],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
}

/**
 * bull-board's page (a package we do not control) has inline style attributes and a <style>
 * block and loads its fonts from Google; its scripts are still only its own files.
 */
const QUEUES_POLICY = {
  ...CONSOLE_POLICY,
  'connect-src': ["'self'"],
  'media-src': ["'self'"],
  'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
  'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
}

export const QUEUES_PATH = '/console/queues'

/**
 * Twilio's webhooks answer TwiML (or a WAV) to Twilio, never a page to a browser: nothing there
 * may run or be framed, and two fixed headers say so. helmet's thirteen middlewares, built for
 * pages, were a measurable share of every webhook's CPU.
 */
const WEBHOOK_HEADERS: [string, string][] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
]

/**
 * helmet's headers everywhere, with the console's policy, relaxed for bull-board's path only;
 * two fixed ones on Twilio's webhooks.
 */
export function securityHeaders(publicBaseUrl: string): RequestHandler {
  const https = publicBaseUrl.startsWith('https://')
  const make = (directives: Record<string, string[]>) =>
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        // Over plain http (a local demo) an upgrade would point the browser at a port with no TLS.
        directives: https ? { ...directives, 'upgrade-insecure-requests': [] } : directives,
      },
      strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600 } : false,
      xFrameOptions: { action: 'deny' },
    })
  const site = make(CONSOLE_POLICY)
  const queues = make(QUEUES_POLICY)
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/voice/') || req.path.startsWith('/sms/')) {
      for (const [name, value] of WEBHOOK_HEADERS) res.setHeader(name, value)
      return next()
    }
    const underQueues = req.path === QUEUES_PATH || req.path.startsWith(`${QUEUES_PATH}/`)
    return (underQueues ? queues : site)(req, res, next)
  }
}

/** API answers carry agents' cases and callers' details: no browser or proxy may keep a copy. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store')
  next()
}

// Twilio's idempotency tokens are short and plain; anything else is not Twilio's and not logged.
const TWILIO_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The log's request id: Twilio's own when there is one (so our lines match Twilio's debugger),
 * else a fresh one. A client could send a megabyte or a forged log line there, so only a short
 * plain token is taken.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['i-twilio-idempotency-token']
  return typeof given === 'string' && TWILIO_REQUEST_ID.test(given) ? given : randomUUID()
}
