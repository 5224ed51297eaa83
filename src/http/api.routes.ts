import express, { Router } from 'express'
import { z } from 'zod'

import { setOwnPresence } from '../agents/agents.repository.ts'
import { agentRoster } from '../agents/pauses.ts'
import { overrideClose } from '../callbacks/closure.ts'
import { promiseReply } from '../callbacks/promise-reply.ts'
import { reportWorkDone } from '../callbacks/work-done.ts'
import { listCaseEvents } from '../cases/case-events.repository.ts'
import { findCaseByReference, listCasesOwnedBy } from '../cases/cases.repository.ts'
import { mayWorkOnCase, updateCaseFields } from '../cases/update-case.ts'
import type { AppContext } from '../context.ts'
import { listCaseClocks } from '../deadlines/clocks.repository.ts'
import { findDepartment } from '../directory/departments.repository.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { caseRecordings } from '../recordings/case-recordings.ts'
import { listDepartmentAnswers } from '../transfers/department-answers.ts'
import { listTransfersOfCase } from '../transfers/transfers.repository.ts'
import { createAdminHotlinesRouter } from './admin-hotlines.routes.ts'
import { createAdminLimitsRouter } from './admin-limits.routes.ts'
import { createAdminPeopleRouter } from './admin-people.routes.ts'
import { createAdminVariantsRouter } from './admin-variants.routes.ts'
import { currentAgent, requireAgent, requireRole } from './auth.middleware.ts'
import { createAuthRouter } from './auth.routes.ts'
import { rejectNulBytes } from './body-guards.ts'
import { createConsoleApiRouter, createConsolePublicRouter } from './console.routes.ts'
import { createDirectoryRouter } from './directory.routes.ts'
import { createEscalationsRouter } from './escalations.routes.ts'
import { createExtensionsRouter } from './extensions.routes.ts'
import { createIntakeRouter } from './intake.routes.ts'
import { createIvrPromptsRouter } from './ivr-prompts.routes.ts'
import { createRateTargetsRouter } from './rate-targets.routes.ts'
import { createRatesRouter } from './rates.routes.ts'
import { createRecordingsRouter } from './recordings.routes.ts'
import { createRecordsRouter } from './records.routes.ts'
import { createSoftphoneRouter } from './softphone.routes.ts'
import { createTransfersRouter } from './transfers.routes.ts'

const presence = z
  .object({
    presence: z.enum(['available', 'busy', 'away']),
    // Why the agent steps away (a pause); supervisors see it, and a long pause is reported.
    reason: z.string().trim().min(1, 'reason is empty').max(100).optional(),
  })
  .refine((p) => p.presence !== 'away' || p.reason, {
    message: 'say why you go away (lunch, training, …): reason is required with away',
    path: ['reason'],
  })
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
    variant: z
      .string()
      .regex(/^[a-z0-9_]{2,40}$/, 'variant must be a variant code like simple')
      .optional(),
  })
  .strict()
const promise = z.object({ replyBy: z.iso.datetime({ offset: true }) }).strict()
const workDone = z.object({ summary: z.string().trim().min(3).max(1000) }).strict()
const override = z
  .object({
    reason: z.string().trim().min(10, 'reason must say why (at least 10 characters)').max(1000),
  })
  .strict()
const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')

/** The JSON API for agents and scripts. Routes: parse → one use-case → JSON. */
export function createApiRouter(deps: AppContext): Router {
  const router = Router()
  router.use(express.json({ limit: '64kb' }), rejectNulBytes)

  // Login, logout and the agent's own tokens (each route checks the token it needs itself).
  router.use(createAuthRouter(deps))
  // What the console needs to start, with or without a session (logged-out pages get no 401).
  router.use(createConsolePublicRouter(deps))
  router.use(requireAgent(deps))
  // Rates, CSV export and the monthly quality sample: supervisors, managers, administrators.
  router.use(createRatesRouter(deps))
  // The rates' targets: administrators set them, supervisors and up read them.
  router.use(createRateTargetsRouter(deps))
  // The directory (read by all, changed by supervisors+) and moving work off a live call.
  router.use(createDirectoryRouter(deps))
  router.use(createTransfersRouter(deps))
  // Notes, the rejection file, praise/violation records; agents and categories administration.
  router.use(createRecordsRouter(deps), createAdminPeopleRouter(deps))
  // Categories' severity variants (issue 10 point 1), administered like the categories.
  router.use(createAdminVariantsRouter(deps))
  // Cases a staff member records by hand: walk-ins, relays, instructions, letters, e-mails.
  router.use(createIntakeRouter(deps))
  // The web console's live stream, board and phone.
  router.use(createConsoleApiRouter(deps))
  router.use(createIvrPromptsRouter(deps))
  // Hotlines' recording setting: administrators change it, supervisors and up read it.
  router.use(createAdminHotlinesRouter(deps))
  // A case's call recordings, streamed from Twilio to whoever may listen.
  router.use(createRecordingsRouter(deps))
  // Time limits and calendar overrides: administrators change them, supervisors and up read them.
  router.use(createAdminLimitsRouter(deps))
  // Questions to the duty supervisor and their answers.
  router.use(createEscalationsRouter(deps))
  // Extensions of a time limit, asked by the owner and decided by a manager.
  router.use(createExtensionsRouter(deps))
  // The browser softphone on live Twilio: its token, and the numbers "Call the caller" may ring.
  router.use(createSoftphoneRouter(deps))

  router.get('/me', (req, res) => {
    res.json({ agent: currentAgent(req) })
  })

  router.put('/me/presence', async (req, res) => {
    const body = presence.parse(req.body)
    const agent = currentAgent(req)
    const pauseReason = body.presence === 'away' ? (body.reason ?? null) : null
    await setOwnPresence(
      deps.db,
      agent.id,
      { presence: body.presence, pauseReason },
      deps.clock.now(),
    )
    // Someone may be waiting for exactly this agent.
    if (body.presence === 'available')
      await deps.triggers.dispatch(`presence-${agent.id}-${Date.now()}`)
    res.json({ presence: body.presence, pauseReason })
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
    const [events, transfers, department, clocks, departmentAnswers, recordings] =
      await Promise.all([
        listCaseEvents(deps.db, kase.id),
        listTransfersOfCase(deps.db, kase.id),
        kase.assigneeDepartmentId === null
          ? undefined
          : findDepartment(deps.db, { id: kase.assigneeDepartmentId }),
        listCaseClocks(deps.db, kase.id),
        listDepartmentAnswers(deps.db, kase.id),
        caseRecordings(deps.db, kase),
      ])
    const assigneeDepartment = department && {
      code: department.code,
      name: department.name,
      nameEn: department.nameEn,
    }
    res.json({
      case: { ...kase, assigneeDepartment },
      events,
      transfers,
      clocks,
      departmentAnswers,
      recordings,
    })
  })

  router.patch('/cases/:reference', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const updated = await updateCaseFields(deps, currentAgent(req), ref, caseUpdate.parse(req.body))
    res.json({ case: updated })
  })

  router.post('/cases/:reference/work-done', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const { summary } = workDone.parse(req.body)
    const r = await reportWorkDone(deps, currentAgent(req), ref, summary)
    res.status(202).json({ status: 'awaiting_confirmation', confirmationCallAt: r.dueAt })
  })

  router.post('/cases/:reference/promise', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const { replyBy } = promise.parse(req.body)
    const r = await promiseReply(deps, currentAgent(req), ref, new Date(replyBy))
    res.status(201).json({ promisedReplyAt: replyBy, ownerRungAt: r.dueAt })
  })

  router.post(
    '/cases/:reference/close-override',
    requireRole('supervisor', 'manager', 'admin'),
    async (req, res) => {
      const ref = reference.parse(req.params['reference'])
      const { reason } = override.parse(req.body)
      const kase = await findCaseByReference(deps.db, ref)
      if (!kase) throw new NotFoundError('case', ref)
      if (!(await overrideClose(deps, currentAgent(req), kase.id, reason))) {
        throw new AppError(
          'invalid_state',
          `case ${ref} can be closed without the caller only after the confirmation calls ran out (it is ${kase.status})`,
        )
      }
      res.json({ status: 'closed', closedBy: 'supervisor_override' })
    },
  )

  router.get('/notifications', async (req, res) => {
    const rows = await deps.db
      .selectFrom('notifications')
      .selectAll()
      .where('agent_id', '=', currentAgent(req).id)
      .orderBy('id', 'desc')
      .limit(100)
      .execute()
    res.json({
      notifications: rows.map((n) => ({
        id: n.id,
        caseId: n.case_id,
        kind: n.kind,
        body: n.body,
        createdAt: n.created_at,
        readAt: n.read_at,
      })),
    })
  })

  router.get('/agents', requireRole('supervisor', 'manager', 'admin'), async (_req, res) => {
    res.json({ agents: await agentRoster(deps) })
  })

  return router
}
