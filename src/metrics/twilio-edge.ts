import type { EdgeHttpClient } from '../telephony/telephony.ts'
import type { Metrics } from './metrics.ts'
import { statusClass } from './metrics.ts'
import { addToTrace } from './webhook-trace.ts'

/**
 * Times every request the official twilio client sends, at its HTTP edge: the same wrapper
 * serves the real RequestClient, the simulator and the tests' fake, so the figures mean the
 * same everywhere.
 */
export function instrumentEdge(inner: EdgeHttpClient, metrics: Metrics): EdgeHttpClient {
  return {
    // Media is streamed for as long as the listener listens: not a request to time.
    ...(inner.media && { media: inner.media }),
    async request(opts) {
      const endpoint = twilioEndpoint(opts.uri)
      const method = opts.method.toUpperCase()
      const end = metrics.twilioDuration.startTimer({ endpoint, method })
      try {
        const res = await inner.request(opts)
        addToTrace('twilio', 1000 * end({ status_class: statusClass(res.statusCode) }))
        if (res.statusCode >= 400)
          metrics.twilioErrors.inc({ endpoint, code: errorCode(res.statusCode, res.body) })
        return res
      } catch (e) {
        // No answer at all: the client's timeout, or the connection failed.
        addToTrace('twilio', 1000 * end({ status_class: 'none' }))
        const timedOut = (e as { code?: unknown }).code === 'ECONNABORTED'
        metrics.twilioErrors.inc({ endpoint, code: timedOut ? 'timeout' : 'network' })
        throw e
      }
    },
  }
}

/**
 * The resource a request is about, never its SIDs, numbers or names: `/2010-04-01/Accounts/AC…/
 * Conferences/CF…/Participants/CA….json` is `Conferences/Participants`. Resource names sit at
 * every other path segment after the account; anything not shaped like one is `other`.
 */
export function twilioEndpoint(uri: string): string {
  let path: string
  try {
    path = new URL(uri).pathname
  } catch {
    return 'other'
  }
  const m = /^\/2010-04-01\/Accounts\/[^/]+(\/.*)?$/.exec(path)
  if (!m) return 'other'
  const segments = (m[1] ?? '')
    .replace(/\.json$/, '')
    .split('/')
    .filter(Boolean)
  if (segments.length === 0) return 'Accounts'
  const names = segments.filter((_, i) => i % 2 === 0)
  return names.every((n) => /^[A-Z][A-Za-z]{1,40}$/.test(n)) ? names.join('/') : 'other'
}

/** Twilio's own error code from the body (20404, 21211, ...), else the HTTP status. */
function errorCode(status: number, body: unknown): string {
  let parsed = body
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body)
    } catch {
      parsed = undefined
    }
  }
  const code = (parsed as { code?: unknown } | undefined)?.code
  return typeof code === 'number' && Number.isInteger(code) ? String(code) : `http_${status}`
}
