import type { RequestHandler } from 'express'

import type { Language } from '../domain/language.ts'
import { prompts } from '../domain/prompts.ts'
import type { Logger } from '../logger.ts'
import { sayAndHangUp } from './twiml.ts'
import { sendTwiml } from './voice-handler.ts'

// At most one log line per this long while shedding, with the count since the last one: an
// overloaded process must not spend what it has left on logging each call it turned away.
const LOG_EVERY_MS = 10_000

/**
 * Load shedding, on the first webhook of a new call only. When this process is seconds behind
 * (its oldest waiter for a Postgres connection has waited `afterMs`), a new call is answered at
 * once with a 503, and Twilio fetches the number's fallback URL (a backup line, README: Twilio's
 * fallback URL), instead of joining the queue for connections. The calls already in progress
 * (agents answering offers, callers in the queue, return calls, status callbacks) keep what
 * capacity there is and are answered within Twilio's 15 s; without this, every webhook waits in
 * the same queue, and once it reaches 15 s Twilio gives up on all of them alike.
 *
 * Nothing has been written for the call: it exists only in Twilio's logs and the shed counter.
 * The body is TwiML all the same (an apology), for a client that reads it.
 */
export function shedNewCalls(o: {
  afterMs: number
  /** How long this process's oldest waiter for a pooled connection has waited, in ms. */
  behindMs: () => number
  onShed: () => void
  logger: Logger
  language: Language
}): RequestHandler {
  let shedSinceLog = 0
  let loggedAt = -Infinity
  return (_req, res, next) => {
    if (o.afterMs <= 0) return next()
    const behind = o.behindMs()
    if (behind < o.afterMs) return next()
    o.onShed()
    shedSinceLog++
    const now = performance.now()
    if (now - loggedAt >= LOG_EVERY_MS) {
      o.logger.warn(
        { shed: shedSinceLog, poolWaitMs: Math.round(behind), afterMs: o.afterMs },
        "new calls turned away to Twilio's fallback URL: this process is behind",
      )
      loggedAt = now
      shedSinceLog = 0
    }
    res.setHeader('Retry-After', '1')
    sendTwiml(res, sayAndHangUp(o.language, prompts(o.language).technicalProblem), 503)
  }
}
