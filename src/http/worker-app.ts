import type { Express } from 'express'
import express from 'express'

import type { AppContext } from '../context.ts'
import { calendarWarnings } from '../domain/calendar/calendar-warnings.ts'
import { createHealthRouter } from './health.routes.ts'
import { createMetricsRouter } from './metrics.routes.ts'

/**
 * What a worker-role process serves on PORT: health for its supervisor and load balancer checks,
 * and metrics for Prometheus. Webhooks, the API and the console are the web role's; here they
 * are 404, so a misrouted request fails loudly instead of half-working.
 */
export function createWorkerApp(ctx: AppContext, opts: { isShuttingDown: () => boolean }): Express {
  const app = express()
  app.disable('x-powered-by')
  app.use(
    createHealthRouter({
      db: ctx.db,
      redis: ctx.producer,
      isShuttingDown: opts.isShuttingDown,
      twilioMode: ctx.config.twilio.mode,
      role: ctx.config.role,
      warnings: () => calendarWarnings(ctx.calendar, ctx.clock.now(), ctx.config.timeZone),
    }),
  )
  app.use(createMetricsRouter({ registry: ctx.metrics.registry, token: ctx.config.metrics.token }))
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not served by a worker (SHOUWEN_ROLE=worker)\n')
  })
  return app
}
