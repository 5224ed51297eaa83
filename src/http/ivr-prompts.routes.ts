import { Router } from 'express'
import { z } from 'zod'

import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { listPrompts, setPrompt } from '../ivr-prompts/ivr-prompts.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const params = z.object({
  language: z.enum(['zh-CN', 'en-US'], 'language must be zh-CN or en-US'),
  key: z.string().regex(/^[a-zA-Z]{2,40}$/, 'not a prompt key'),
})
const body = z.object({ text: z.string().trim().min(1).max(500) }).strict()

/** IVR prompts per language: administrators reword them, supervisors and managers read them. */
export function createIvrPromptsRouter(deps: { db: Db; clock: Clock }): Router {
  const router = Router()
  router.get('/admin/prompts', requireRole('supervisor', 'manager', 'admin'), async (_req, res) => {
    res.json({ prompts: await listPrompts(deps.db) })
  })
  router.put('/admin/prompts/:language/:key', requireRole('admin'), async (req, res) => {
    const p = params.parse(req.params)
    const { text } = body.parse(req.body)
    res.json({ prompts: await setPrompt(deps, currentAgent(req), p.language, p.key, text) })
  })
  router.delete('/admin/prompts/:language/:key', requireRole('admin'), async (req, res) => {
    const p = params.parse(req.params)
    res.json({ prompts: await setPrompt(deps, currentAgent(req), p.language, p.key, null) })
  })
  return router
}
