import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import { answerEscalation, askSupervisor } from '../escalations/ask-supervisor.ts'
import {
  listEscalationsOfCase,
  listWaitingEscalations,
} from '../escalations/escalations.repository.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')
const escalationId = z.string().uuid('not an escalation id')
const question = z
  .object({
    question: z.string().trim().min(3, 'question must say what to decide').max(1000),
  })
  .strict()
const answer = z.object({ answer: z.string().trim().min(1, 'answer is empty').max(2000) }).strict()

/** Asking the duty supervisor (向主管请示) and their answers. */
export function createEscalationsRouter(deps: CallbackDeps): Router {
  const router = Router()

  router.post('/cases/:reference/escalations', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const { question: q } = question.parse(req.body)
    res.status(201).json(await askSupervisor(deps, currentAgent(req), ref, q))
  })
  router.get('/cases/:reference/escalations', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const kase = await caseToWorkOn(deps.db, currentAgent(req), ref)
    res.json({ escalations: await listEscalationsOfCase(deps.db, kase.id) })
  })
  router.post('/escalations/:id/answer', requireRole('supervisor', 'manager'), async (req, res) => {
    const id = escalationId.parse(req.params['id'])
    const { answer: a } = answer.parse(req.body)
    res.json({ escalation: await answerEscalation(deps, currentAgent(req), id, a) })
  })
  router.get(
    '/escalations/waiting',
    requireRole('supervisor', 'manager', 'admin'),
    async (_req, res) => {
      res.json({ escalations: await listWaitingEscalations(deps.db) })
    },
  )
  return router
}
