import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { decideExtension } from '../extensions/decide-extension.ts'
import { listWaitingExtensionRequests } from '../extensions/extension-requests.repository.ts'
import { requestExtension } from '../extensions/request-extension.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')
const requestId = z.string().uuid('not an extension request id')
const ask = z
  .object({
    step: z.enum([
      'record',
      'dispatch',
      'supervisor_answer',
      'department_answer',
      'resolution',
      'confirmation_call',
    ]),
    newDueAt: z.iso
      .datetime({ offset: true, message: 'newDueAt must be an ISO time like 2026-11-24T09:00:00Z' })
      .transform((s) => new Date(s)),
    reason: z.string().trim().min(3, 'reason must say why the limit cannot be met').max(1000),
    department: z.string().trim().min(1).max(64).optional(),
  })
  .strict()
const decision = z.object({ note: z.string().trim().max(1000).optional() }).strict()

/** Extensions only with a manager's recorded approval (超时限须经理批准). */
export function createExtensionsRouter(deps: CallbackDeps): Router {
  const router = Router()
  const deciders = requireRole('manager', 'admin')

  router.post('/cases/:reference/extension-requests', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const body = ask.parse(req.body)
    res.status(201).json(await requestExtension(deps, currentAgent(req), ref, body))
  })
  for (const [verb, outcome] of [
    ['approve', 'approved'],
    ['refuse', 'refused'],
  ] as const) {
    router.post(`/extension-requests/:id/${verb}`, deciders, async (req, res) => {
      const id = requestId.parse(req.params['id'])
      const { note } = decision.parse(req.body ?? {})
      const saved = await decideExtension(deps, currentAgent(req), id, outcome, note || null)
      res.json({ extensionRequest: saved })
    })
  }
  router.get('/extension-requests/waiting', deciders, async (_req, res) => {
    res.json({ extensionRequests: await listWaitingExtensionRequests(deps.db) })
  })
  return router
}
