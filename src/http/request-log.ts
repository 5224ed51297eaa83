import type { Express, NextFunction, Request, Response } from 'express'

import type { Logger } from '../logger.ts'

declare module 'http' {
  interface IncomingMessage {
    /** The log's request id (Twilio's idempotency token when it is a plain one). */
    id: string
    /** A logger whose lines carry this request's id, method and path. */
    readonly log: Logger
  }
}

const LOG = Symbol('requestLog')
type WithLog = Request & { [LOG]?: Logger }

/**
 * One line per request (`request completed`, or `request errored` from a 5xx) and `req.log`,
 * in the shape pino-http gave them: `req: { id, method, path }`, `res: { statusCode }`,
 * `responseTime`. Written for the webhook path, where pino-http cost more than the route did:
 * it built a child logger per request, running every redaction path and parsing the query
 * string for its request serializer, even with logging off. Here `req.log` is built only when a
 * handler logs, and the completed line only when its level is on. Only method and path are
 * logged: query strings and bodies can carry phone numbers.
 */
export function requestLog(
  app: Express,
  logger: Logger,
  opts: { requestId: (req: Request) => string; ignore: (req: Request) => boolean },
) {
  // On this app's request prototype: created on first use, once per request.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: WithLog): Logger {
      return (this[LOG] ??= logger.child({ req: describe(this) }))
    },
  })
  return (req: Request, res: Response, next: NextFunction): void => {
    req.id = opts.requestId(req)
    if (logger.isLevelEnabled('info') && !opts.ignore(req)) {
      const started = Date.now()
      const described = describe(req)
      // 'close' comes after 'finish', and also for a request the client gave up on.
      res.once('close', () => {
        const responseTime = Date.now() - started
        const log = (req as WithLog)[LOG] ?? logger
        const fields = (req as WithLog)[LOG] ? {} : { req: described }
        if (res.statusCode >= 500)
          log.info(
            {
              ...fields,
              res: { statusCode: res.statusCode },
              err: new Error(`failed with status code ${res.statusCode}`),
              responseTime,
            },
            'request errored',
          )
        else
          log.info(
            { ...fields, res: { statusCode: res.statusCode }, responseTime },
            'request completed',
          )
      })
    }
    next()
  }
}

function describe(req: Request): { id: string; method: string; path: string } {
  return { id: req.id, method: req.method, path: (req.originalUrl || req.url).split('?')[0] ?? '' }
}
