import type { RequestHandler } from 'express'

import type { Metrics } from '../metrics/metrics.ts'
import { statusClass } from '../metrics/metrics.ts'

/**
 * Times each Twilio webhook into `shouwen_webhook_duration_seconds`, labelled with the express
 * route pattern that handled it (`/voice/offer/:offerId/answer`), never the raw URL, whose ids
 * would make a series per call. A request no route took (a bad signature, an unknown path) is
 * `<mount> (unmatched)`.
 */
export function webhookTiming(metrics: Metrics, mount: string): RequestHandler {
  return (req, res, next) => {
    const end = metrics.webhookDuration.startTimer()
    res.once('finish', () => {
      // The router that matched leaves its mount path in baseUrl (e.g. /voice/callback).
      const route = req.route as { path?: unknown } | undefined
      const pattern =
        typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : `${mount} (unmatched)`
      end({ route: pattern, status_class: statusClass(res.statusCode) })
    })
    next()
  }
}
