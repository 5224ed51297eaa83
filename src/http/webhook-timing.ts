import type { RequestHandler } from 'express'

import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { statusClass } from '../metrics/metrics.ts'
import { startTrace, traceSummary } from '../metrics/webhook-trace.ts'

/**
 * Times each Twilio webhook into `shouwen_webhook_duration_seconds`, labelled with the express
 * route pattern that handled it (`/voice/offer/:offerId/answer`), never the raw URL, whose ids
 * would make a series per call. A request no route took (a bad signature, an unknown path) is
 * `<mount> (unmatched)`. One that took `slowMs` or longer (SLOW_WEBHOOK_MS; 0: never) is logged
 * with where its time went (webhook-trace.ts).
 */
export function webhookTiming(
  metrics: Metrics,
  mount: string,
  slow: { logger: Logger; slowMs: number },
): RequestHandler {
  return (req, res, next) => {
    const end = metrics.webhookDuration.startTimer()
    const trace = startTrace(res.locals)
    res.once('finish', () => {
      // The router that matched leaves its mount path in baseUrl (e.g. /voice/callback).
      const route = req.route as { path?: unknown } | undefined
      const pattern =
        typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : `${mount} (unmatched)`
      const seconds = end({ route: pattern, status_class: statusClass(res.statusCode) })
      if (slow.slowMs > 0 && seconds * 1000 >= slow.slowMs) {
        slow.logger.warn(
          { route: pattern, status: res.statusCode, ...traceSummary(trace) },
          'slow webhook',
        )
      }
    })
    next()
  }
}
