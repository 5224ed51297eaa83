import type { Express, Router } from 'express'
import express from 'express'

import { createConsoleSite } from '../console/console-site.ts'
import type { AppContext } from '../context.ts'
import { calendarWarnings } from '../domain/calendar/calendar-warnings.ts'
import { createSmsRouter } from '../voice/sms.routes.ts'
import { createVoiceRouter } from '../voice/voice.routes.ts'
import { createApiRouter } from './api.routes.ts'
import { jsonErrorHandler } from './error-handler.ts'
import { createHealthRouter } from './health.routes.ts'
import { createMetricsRouter } from './metrics.routes.ts'
import { requestLog } from './request-log.ts'
import { noStore, requestIdOf, securityHeaders } from './security-headers.ts'
import { webhookTiming } from './webhook-timing.ts'

export function createApp(
  ctx: AppContext,
  opts: {
    isShuttingDown: () => boolean
    /** Mounted as they are, e.g. the simulator's control API in simulator mode. */
    extraRouters?: [path: string, router: Router][]
  },
): Express {
  const app = express()
  app.disable('x-powered-by')
  // One hop: the proxy in front appends the client's address; anything to its left was written
  // by the client and is ignored (else one header would dodge the per-address login limit).
  if (ctx.config.http.trustProxy) app.set('trust proxy', 1)
  app.use(
    requestLog(app, ctx.logger.child({ component: 'http' }), {
      requestId: requestIdOf,
      ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
    }),
  )
  app.use(securityHeaders(ctx.config.http.publicBaseUrl))
  app.use(
    createHealthRouter({
      db: ctx.db,
      redis: ctx.producer,
      isShuttingDown: opts.isShuttingDown,
      twilioMode: ctx.config.twilio.mode,
      warnings: () => calendarWarnings(ctx.calendar, ctx.clock.now(), ctx.config.timeZone),
      role: ctx.config.role,
    }),
  )
  app.use(createMetricsRouter({ registry: ctx.metrics.registry, token: ctx.config.metrics.token }))
  // While shutting down, Twilio gets a 503 and retries against another instance or its fallback URL.
  app.use((_req, res, next) => {
    if (opts.isShuttingDown())
      res.status(503).setHeader('Connection', 'close').send('shutting down\n')
    else next()
  })
  const slow = { logger: ctx.logger, slowMs: ctx.config.metrics.slowWebhookMs }
  app.use('/voice', webhookTiming(ctx.metrics, '/voice', slow), createVoiceRouter(ctx))
  app.use('/sms', webhookTiming(ctx.metrics, '/sms', slow), createSmsRouter(ctx))
  app.use('/api', noStore, createApiRouter(ctx))
  app.use(createConsoleSite(ctx))
  for (const [path, router] of opts.extraRouters ?? []) app.use(path, router)
  app.use('/api', jsonErrorHandler(ctx.logger))
  app.use(jsonErrorHandler(ctx.logger))
  return app
}
