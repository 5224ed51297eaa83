import { Router } from 'express'
import { z } from 'zod'

import type { Clock } from '../calls/deps.ts'
import { addCaseNote } from '../cases/case-notes.ts'
import { decideDecline, requestDecline } from '../cases/decline.ts'
import type { DeclineNoticeDeps } from '../cases/decline-notice.ts'
import { listRejections, listWaitingDeclines } from '../cases/rejections.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { parsePeriod } from '../domain/periods.ts'
import { countRecordsByAgent } from '../records/agent-records.repository.ts'
import { addAgentRecord, agentRecords } from '../records/agent-records.ts'
import { currentAgent, requireRole } from './auth.middleware.ts'

const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')
const jobNumber = z.string().regex(/^[0-9A-Za-z]{2,12}$/, 'not a job number like 1001')
const note = z.object({ text: z.string().trim().min(1, 'text is empty').max(2000) }).strict()
const declineRequest = z
  .object({
    reason: z.string().trim().min(10, 'reason must say why (at least 10 characters)').max(1000),
  })
  .strict()
const approval = z.object({ note: z.string().trim().min(1).max(1000).nullish() }).strict()
const refusal = z
  .object({ note: z.string().trim().min(3, 'note must say why (at least 3 characters)').max(1000) })
  .strict()
const newRecord = z
  .object({
    kind: z.enum(['praise', 'violation'], { error: "kind must be 'praise' or 'violation'" }),
    caseReference: reference.nullish(),
    note: z.string().trim().min(3, 'note must say what happened (at least 3 characters)').max(2000),
  })
  .strict()

/**
 * What the web console needs beyond the agent API: case notes, the rejection file (否定报备)
 * and praise and violation records. Mounted inside the API router after requireAgent.
 */
export function createRecordsRouter(
  deps: { db: Db; clock: Clock; config: Config } & DeclineNoticeDeps,
): Router {
  const router = Router()
  const supervisors = requireRole('supervisor', 'manager', 'admin')
  const deciders = requireRole('supervisor', 'manager')
  const month = z
    .string({ error: "month is required, like '2026-11'" })
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month must look like '2026-11'")
    .transform((m, ctx) => {
      try {
        return parsePeriod(m, deps.config.timeZone)
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message })
        return z.NEVER
      }
    })

  router.post('/cases/:reference/notes', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const { text } = note.parse(req.body)
    res.status(201).json({ note: await addCaseNote(deps, currentAgent(req), ref, text) })
  })

  router.post('/cases/:reference/decline', async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const { reason } = declineRequest.parse(req.body)
    const r = await requestDecline(deps, currentAgent(req), ref, reason)
    res.status(202).json({ reference: ref, status: 'decline_requested', ...r })
  })

  router.post('/cases/:reference/decline/approve', deciders, async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const b = approval.parse(req.body ?? {})
    const kase = await decideDecline(deps, currentAgent(req), ref, {
      approve: true,
      note: b.note ?? null,
    })
    res.json({ reference: ref, status: kase.status })
  })

  router.post('/cases/:reference/decline/reject', deciders, async (req, res) => {
    const ref = reference.parse(req.params['reference'])
    const b = refusal.parse(req.body)
    const kase = await decideDecline(deps, currentAgent(req), ref, { approve: false, note: b.note })
    res.json({ reference: ref, status: kase.status, decline: 'refused' })
  })

  router.get('/rejections/waiting', supervisors, async (_req, res) => {
    res.json({ waiting: await listWaitingDeclines(deps.db) })
  })

  router.get('/rejections', supervisors, async (req, res) => {
    const period = month.parse(req.query['month'])
    res.json({ month: period.label, rejections: await listRejections(deps.db, period) })
  })

  router.post('/agents/:jobNumber/records', supervisors, async (req, res) => {
    const job = jobNumber.parse(req.params['jobNumber'])
    const b = newRecord.parse(req.body)
    const record = await addAgentRecord(deps, currentAgent(req), job, {
      kind: b.kind,
      caseReference: b.caseReference ?? null,
      note: b.note,
    })
    res.status(201).json({ record })
  })

  router.get('/agents/:jobNumber/records', async (req, res) => {
    const job = jobNumber.parse(req.params['jobNumber'])
    const period = month.optional().parse(req.query['month'])
    res.json({ records: await agentRecords(deps, currentAgent(req), job, period) })
  })

  router.get('/records', supervisors, async (req, res) => {
    const period = month.parse(req.query['month'])
    res.json({ month: period.label, agents: await countRecordsByAgent(deps.db, period) })
  })

  return router
}
