import { Router } from 'express'
import { z } from 'zod'

import { deleteVariant, listVariants, putVariant } from '../admin/category-variants.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const code = (what: string) =>
  z.string().regex(/^[a-z0-9_]{2,40}$/, `${what} must be 2-40 of a-z, 0-9 and _`)
const variant = z
  .object({
    nameZh: z.string().trim().min(1, 'nameZh is empty').max(40),
    nameEn: z.string().trim().min(1, 'nameEn is empty').max(60),
    isDefault: z.boolean({ error: 'isDefault must be true or false' }),
  })
  .strict()

/**
 * A category's severity variants, next to the categories' own administration: administrators
 * change them, supervisors and managers read them; each change is an admin event.
 */
export function createAdminVariantsRouter(deps: { db: Db; clock: Clock }): Router {
  const router = Router()
  const readers = requireRole('supervisor', 'manager', 'admin')
  const admins = requireRole('admin')
  const params = (p: Record<string, unknown>) => ({
    category: code('category').parse(p['code']),
    variant: p['variant'] === undefined ? '' : code('variant').parse(p['variant']),
  })

  router.get('/admin/categories/:code/variants', readers, async (req, res) => {
    const { category } = params(req.params)
    res.json({ variants: await listVariants(deps.db, category) })
  })
  router.put('/admin/categories/:code/variants/:variant', admins, async (req, res) => {
    const p = params(req.params)
    const body = variant.parse(req.body)
    const r = await putVariant(deps, currentAgent(req), p.category, p.variant, body)
    res.status(r.result === 'created' ? 201 : 200).json(r)
  })
  router.delete('/admin/categories/:code/variants/:variant', admins, async (req, res) => {
    const p = params(req.params)
    await deleteVariant(deps, currentAgent(req), p.category, p.variant)
    res.status(204).end()
  })
  return router
}
