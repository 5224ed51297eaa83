import { createHash, timingSafeEqual } from 'node:crypto'

import { Router } from 'express'
import type { Registry } from 'prom-client'

/**
 * GET /metrics in Prometheus' text format. With a token configured, a scrape must carry it as a
 * bearer token: compared in constant time (over digests, so its length does not leak either).
 */
export function createMetricsRouter(deps: { registry: Registry; token: string | undefined }) {
  const router = Router()
  const expected = deps.token === undefined ? undefined : digest(deps.token)
  router.get('/metrics', async (req, res, next) => {
    if (expected) {
      const m = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')
      if (!m?.[1] || !timingSafeEqual(digest(m[1]), expected)) {
        res
          .status(401)
          .setHeader('WWW-Authenticate', 'Bearer realm="metrics"')
          .type('text/plain')
          .send('a bearer token is required for /metrics\n')
        return
      }
    }
    try {
      const body = await deps.registry.metrics()
      res.setHeader('Cache-Control', 'no-store').type(deps.registry.contentType).send(body)
    } catch (e) {
      next(e)
    }
  })
  return router
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}
