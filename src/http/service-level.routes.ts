import { Router } from 'express'
import { z } from 'zod'

import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { parsePeriod, PERIOD_OR_DAY_HINT } from '../domain/periods.ts'
import { SERVICE_LEVEL_DIMENSIONS } from '../domain/service-level.ts'
import { serviceLevelCsv } from '../rates/service-level-csv.ts'
import { buildServiceLevelReport } from '../rates/service-level-report.ts'
import { requireRole } from './auth.middleware.ts'

/**
 * The service level (15秒接通率) for a month, week or day, by hotline, day, hour or agent, for
 * supervisors and up. Mounted by the rates router, at the API root like it.
 */
export function createServiceLevelRouter(deps: { db: Db; config: Config }): Router {
  const router = Router()
  const supervisors = requireRole('supervisor', 'manager', 'admin')
  const query = z.object({
    period: z.string({ error: `required: ${PERIOD_OR_DAY_HINT}` }).transform((v, ctx) => {
      try {
        return parsePeriod(v, deps.config.timeZone, { allowDay: true })
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message })
        return z.NEVER
      }
    }),
    by: z
      .enum(SERVICE_LEVEL_DIMENSIONS, {
        error: `must be one of ${SERVICE_LEVEL_DIMENSIONS.join(', ')}`,
      })
      .default('hotline'),
  })
  const report = (q: unknown) => {
    const { period, by } = query.parse(q)
    return buildServiceLevelReport(deps.db, {
      period,
      by,
      timeZone: deps.config.timeZone,
      bounds: deps.config.serviceLevel,
    })
  }

  router.get('/rates/service-level', supervisors, async (req, res) => {
    res.json(await report(req.query))
  })

  router.get('/rates/service-level.csv', supervisors, async (req, res) => {
    const r = await report(req.query)
    res.attachment(`service-level-${r.period.label}-${r.by}.csv`)
    res.type('text/csv; charset=utf-8').send(serviceLevelCsv(r))
  })

  return router
}
