import { Router } from 'express'
import { z } from 'zod'

import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { RateName } from '../domain/rate-targets.ts'
import { RATE_NAMES } from '../domain/rate-targets.ts'
import { loadRateTargets, saveRateTargets } from '../rate-targets/rate-targets.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const target = z
  .object({
    value: z
      .number({ error: 'value must be a fraction from 0 to 1, e.g. 0.98 for 98 %' })
      .min(0, 'value must be a fraction from 0 to 1, e.g. 0.98 for 98 %')
      .max(1, 'value must be a fraction from 0 to 1, e.g. 0.98 for 98 %')
      .refine((v) => Math.abs(Math.round(v * 100_000) - v * 100_000) < 1e-6, {
        message: 'value has at most 5 decimals (0.98765)',
      }),
    comparison: z.enum(['gt', 'gte'], {
      error: "comparison must be 'gt' (more than) or 'gte' (at least)",
    }),
  })
  .strict()
const targetsBody = z
  .object(
    Object.fromEntries(RATE_NAMES.map((n) => [n, target.optional()])) as Record<
      RateName,
      z.ZodOptional<typeof target>
    >,
  )
  .strict()
  .refine((b) => Object.keys(b).length > 0, {
    message: `give at least one of ${RATE_NAMES.join(', ')}`,
  })

/**
 * The rates' targets: supervisors, managers and administrators read them; administrators set
 * any of them in one PUT, each change audited in admin_events as 'rate_target'.
 */
export function createRateTargetsRouter(deps: { db: Db; clock: Clock }): Router {
  const router = Router()
  router.get(
    '/admin/rate-targets',
    requireRole('supervisor', 'manager', 'admin'),
    async (_req, res) => {
      res.json({ targets: await loadRateTargets(deps.db) })
    },
  )
  router.put('/admin/rate-targets', requireRole('admin'), async (req, res) => {
    const edit = targetsBody.parse(req.body)
    res.json(await saveRateTargets(deps, currentAgent(req), edit))
  })
  return router
}
