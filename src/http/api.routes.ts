import express, { Router } from 'express'
import { z } from 'zod'

import { listAgents, setPresence } from '../agents/agents.repository.ts'
import { checkLogin, issueToken, revokeToken } from '../agents/auth.ts'
import type { Clock, Triggers } from '../calls/deps.ts'
import { listCaseEvents } from '../cases/case-events.repository.ts'
import { findCaseByReference, listCasesOwnedBy } from '../cases/cases.repository.ts'
import { mayWorkOnCase, updateCaseFields } from '../cases/update-case.ts'
import type { Db } from '../db/database.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { currentAgent, requireAgent, requireRole } from './auth.middleware.ts'

const login = z.object({
  jobNumber: z.string().min(1).max(12),
  password: z.string().min(1).max(200),
})
const presence = z.object({ presence: z.enum(['available', 'busy', 'away']) })
const newToken = z.object({ label: z.string().min(1).max(80) })
const text = (max: number) => z.string().trim().max(max).nullable().optional()
const caseUpdate = z
  .object({
    place: text(300),
    content: text(4000),
    contactName: text(100),
    contactPhone: z
      .string()
      .regex(/^\+?[0-9 ()-]{5,20}$/, 'contactPhone must be a phone number')
      .nullable()
      .optional(),
    category: z
      .string()
      .regex(/^[a-z0-9_]{2,40}$/, 'category must be a category code')
      .optional(),
    urgency: z.enum(['normal', 'urgent', 'emergency']).optional(),
  })
  .strict()
const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')

/** The JSON API for agents and scripts. Routes: parse → one use-case → JSON. */
export function createApiRouter(deps: {
  db: Db
  clock: Clock
  triggers: Triggers
  sessionTtlHours: number
}): Router {
  const router = Router()
  router.use(express.json({ limit: '64kb' }))

  router.post('/auth/login', async (req, res) => {
    const body = login.parse(req.body)
    const agent = await checkLogin(deps.db, body.jobNumber, body.password)
    if (!agent) throw new AppError('unauthorized', 'job number or password is wrong')
    const expiresAt = new Date(deps.clock.now().getTime() + deps.sessionTtlHours * 3_600_000)
    const token = await issueToken(deps.db, {
      agentId: agent.id,
      kind: 'session',
      label: null,
      expiresAt,
    })
    res.json({ token, expiresAt, agent })
  })

  router.use(requireAgent(deps))

  router.post('/auth/logout', async (req, res) => {
    await revokeToken(
      deps.db,
      (req.header('authorization') ?? '').replace(/^Bearer /i, ''),
      deps.clock.now(),
    )
    res.status(204).end()
  })

  router.post('/auth/tokens', async (req, res) => {
    const { label } = newToken.parse(req.body)
    const token = await issueToken(deps.db, {
      agentId: currentAgent(req).id,
      kind: 'agent',
      label,
      expiresAt: null,
    })
    res.status(201).json({ token, label })
  })

  router.get('/me', (req, res) => {
    res.json({ agent: currentAgent(req) })
  })

  router.put('/me/presence', async (req, res) => {
    const body = presence.parse(req.body)
    const agent = currentAgent(req)
    await setPresence(deps.db, agent.id, body.presence, deps.clock.now())
    // Someone may be waiting for exactly this agent.
    if (body.presence === 'available')
      await deps.triggers.dispatch(`presence-${agent.id}-${Date.now()}`)
    res.json({ presence: body.presence })
  })

  router.get('/cases/mine', async (req, res) => {
    res.json({ cases: await listCasesOwnedBy(deps.db, currentAgent(req).id) })
  })

  router.get('/cases/:reference', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const kase = await findCaseByReference(deps.db, ref)
    if (!kase) throw new NotFoundError('case', ref)
    if (!(await mayWorkOnCase(deps.db, currentAgent(req), kase))) {
      throw new AppError('forbidden', `case ${ref} is not yours to see`)
    }
    res.json({ case: kase, events: await listCaseEvents(deps.db, kase.id) })
  })

  router.patch('/cases/:reference', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const updated = await updateCaseFields(deps, currentAgent(req), ref, caseUpdate.parse(req.body))
    res.json({ case: updated })
  })

  router.get('/agents', requireRole('supervisor', 'manager', 'admin'), async (_req, res) => {
    res.json({ agents: await listAgents(deps.db) })
  })

  return router
}
