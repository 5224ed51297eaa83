import express, { Router } from 'express'
import { z } from 'zod'

import type { Clock } from '../calls/deps.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { parsePeriod, PERIOD_LABEL_HINT } from '../domain/periods.ts'
import {
  drawQualitySample,
  QUALITY_DETAIL_FIELDS,
  recordQualityOutcome,
} from '../rates/quality-sample.ts'
import { qualitySampleReport } from '../rates/quality-sample-report.ts'
import { buildRateReport } from '../rates/rate-report.ts'
import { RATE_DIMENSIONS } from '../rates/rates.repository.ts'
import { rateReportCsv } from '../rates/rates-csv.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'
import { createServiceLevelRouter } from './service-level.routes.ts'

export interface RatesDeps {
  db: Db
  config: Config
  clock: Clock
  /** The quality sample's dice; tests pass a seeded one. */
  random?: () => number
}

const note = z.string().trim().max(1000).nullable().optional()
const outcomeBody = z
  .object({
    unreachable: z.boolean().optional(),
    satisfied: z.boolean().optional(),
    rating: z.number().int().min(1).max(5).nullable().optional(),
    // 信息准确率: "were the recorded details correct?" and, when not, which.
    detailsCorrect: z.boolean({ error: 'detailsCorrect must be true or false' }).optional(),
    wrongFields: z
      .array(
        z.enum(QUALITY_DETAIL_FIELDS, {
          error: `each wrong field must be one of ${QUALITY_DETAIL_FIELDS.join(', ')}`,
        }),
      )
      .max(QUALITY_DETAIL_FIELDS.length)
      .optional(),
    note,
  })
  .strict()
  .refine((b) => b.unreachable === true || b.satisfied !== undefined, {
    message:
      'say whether the caller was satisfied (satisfied: true or false), or unreachable: true',
    path: ['satisfied'],
  })
  .refine((b) => b.unreachable !== true || (b.detailsCorrect === undefined && !b.wrongFields), {
    message: 'an unreachable caller confirmed no details: leave detailsCorrect out',
    path: ['detailsCorrect'],
  })
  .refine(
    (b) =>
      b.detailsCorrect === false
        ? (b.wrongFields?.length ?? 0) > 0
        : b.wrongFields === undefined || b.wrongFields.length === 0,
    {
      message: 'with detailsCorrect: false name the wrong ones in wrongFields; only then',
      path: ['wrongFields'],
    },
  )
const MONTH_HINT = "a month like '2026-11'"
const sampleId = z.string().regex(/^\d{1,18}$/, 'sample id must be a number')

/**
 * The rates report and the monthly quality sample, for supervisors and up. Mounted inside the
 * API router after requireAgent, at its root: the paths carry their own /rates prefix so that
 * /rates.csv sits next to /rates.
 */
export function createRatesRouter(deps: RatesDeps): Router {
  const router = Router()
  const supervisors = requireRole('supervisor', 'manager', 'admin')
  const label = (kind?: 'month') =>
    z
      .string({ error: `required: ${kind ? MONTH_HINT : PERIOD_LABEL_HINT}` })
      .transform((v, ctx) => {
        try {
          const p = parsePeriod(v, deps.config.timeZone)
          if (!kind || p.kind === kind) return p
        } catch (e) {
          if (!kind) ctx.addIssue({ code: 'custom', message: (e as Error).message })
        }
        if (kind)
          ctx.addIssue({
            code: 'custom',
            message: `must be ${MONTH_HINT}, got ${JSON.stringify(v)}`,
          })
        return z.NEVER
      })
  const ratesQuery = z.object({
    period: label(),
    by: z
      .enum(RATE_DIMENSIONS, { error: `must be one of ${RATE_DIMENSIONS.join(', ')}` })
      .default('all'),
  })
  const monthQuery = z.object({ month: label('month') })
  const report = (query: unknown) => {
    const q = ratesQuery.parse(query)
    return buildRateReport(deps.db, { ...q, now: deps.clock.now() })
  }

  router.get('/rates', supervisors, async (req, res) => {
    res.json(await report(req.query))
  })

  router.get('/rates.csv', supervisors, async (req, res) => {
    const r = await report(req.query)
    res.attachment(`rates-${r.period.label}-${r.by}.csv`)
    res.type('text/csv; charset=utf-8').send(rateReportCsv(r))
  })

  router.post('/rates/quality-sample', supervisors, async (req, res) => {
    const { month } = monthQuery.parse(req.query)
    const drawn = await drawQualitySample(deps.db, {
      month: month.label,
      timeZone: deps.config.timeZone,
      random: deps.random ?? Math.random,
      supervisorId: currentAgent(req).id,
    })
    res.status(drawn.added > 0 ? 201 : 200).json(drawn)
  })

  router.get('/rates/quality-sample', supervisors, async (req, res) => {
    const { month } = monthQuery.parse(req.query)
    res.json(
      await qualitySampleReport(deps.db, { month: month.label, timeZone: deps.config.timeZone }),
    )
  })

  router.post(
    '/rates/quality-sample/:id',
    supervisors,
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const id = sampleId.parse(req.params['id'])
      const b = outcomeBody.parse(req.body)
      const by = { supervisorId: currentAgent(req).id, at: deps.clock.now(), note: b.note ?? null }
      await recordQualityOutcome(
        deps.db,
        id,
        b.unreachable === true
          ? { reached: false, ...by }
          : {
              reached: true,
              satisfied: b.satisfied === true,
              rating: b.rating ?? null,
              ...by,
              ...(b.detailsCorrect === undefined
                ? {}
                : {
                    details: b.detailsCorrect
                      ? { correct: true as const }
                      : { correct: false as const, wrongFields: b.wrongFields ?? [] },
                  }),
            },
      )
      res.json({ id, status: b.unreachable === true ? 'unreachable' : 'done' })
    },
  )

  router.use(createServiceLevelRouter(deps))

  return router
}
