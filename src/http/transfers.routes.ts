import { Router } from 'express'
import { z } from 'zod'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { referExternal } from '../cases/refer-external.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import { listNotices, sendNotice } from '../notices/notices.ts'
import { recordDepartmentAnswer } from '../transfers/department-answers.ts'
import { handToDepartment } from '../transfers/department-callback.ts'
import { startTransfer } from '../transfers/start-transfer.ts'
import { bridgeTransfer, cancelTransfer } from '../transfers/transfer-control.ts'
import { listTransfersOfCase } from '../transfers/transfers.repository.ts'
import { currentAgent } from './auth.middleware.ts'

const reference = z
  .string()
  .regex(/^[A-Z]{2,6}-\d{8}-\d{4,}$/, 'not a case reference like HL-20261123-0042')
const deptCode = z.string().regex(/^[a-z0-9-]{2,40}$/, 'department must be a department code')
const note = z.string().trim().min(1).max(500).optional()

const transfer = z
  .object({
    department: deptCode,
    mode: z.enum(['warm', 'cold']).default('warm'),
    personId: z.number().int().positive().optional(),
    note,
  })
  .strict()
const departmentCallback = z.object({ department: deptCode, note }).strict()
const notice = z
  .object({
    item: z.string().regex(/^[a-z0-9-]{2,40}$/, 'item must be a service item code'),
    language: z.enum(['zh-CN', 'en-US']).optional(),
  })
  .strict()
const referral = z.union([
  z.object({ body: z.string().regex(/^[a-z0-9-]{2,40}$/), note }).strict(),
  z
    .object({
      name: z.string().trim().min(1).max(100),
      phone: z.string().regex(/^\+?[0-9 ()-]{3,20}$/, 'phone must be a phone number'),
      note,
    })
    .strict(),
])
const transferId = z.string().uuid('not a transfer id')
const departmentAnswer = z
  .object({
    department: deptCode,
    handler: z.string().trim().min(1, 'name the handler').max(100),
    answer: z.string().trim().min(1, 'say what the department answered').max(2000),
    promisedBy: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()

/** Moving work off a live call: transfers, department callbacks, notices and referrals. */
export function createTransfersRouter(deps: CallbackDeps): Router {
  const router = Router()
  const ref = (v: unknown) => reference.parse(v)

  router.post('/cases/:reference/transfers', async (req, res) => {
    const t = await startTransfer(
      deps,
      currentAgent(req),
      ref(req.params['reference']),
      transfer.parse(req.body),
    )
    res.status(201).json(t)
  })
  router.get('/cases/:reference/transfers', async (req, res) => {
    const kase = await caseToWorkOn(deps.db, currentAgent(req), ref(req.params['reference']))
    res.json({ transfers: await listTransfersOfCase(deps.db, kase.id) })
  })
  router.post('/transfers/:id/bridge', async (req, res) => {
    res.json(await bridgeTransfer(deps, currentAgent(req), transferId.parse(req.params['id'])))
  })
  router.post('/transfers/:id/cancel', async (req, res) => {
    res.json(await cancelTransfer(deps, currentAgent(req), transferId.parse(req.params['id'])))
  })
  router.post('/cases/:reference/department-callback', async (req, res) => {
    const body = departmentCallback.parse(req.body)
    res
      .status(201)
      .json(await handToDepartment(deps, currentAgent(req), ref(req.params['reference']), body))
  })
  router.post('/cases/:reference/notices', async (req, res) => {
    const body = notice.parse(req.body)
    res
      .status(201)
      .json(await sendNotice(deps, currentAgent(req), ref(req.params['reference']), body))
  })
  router.get('/cases/:reference/notices', async (req, res) => {
    const kase = await caseToWorkOn(deps.db, currentAgent(req), ref(req.params['reference']))
    res.json({ notices: await listNotices(deps, kase.id) })
  })
  router.post('/cases/:reference/department-answers', async (req, res) => {
    const body = departmentAnswer.parse(req.body)
    const r = ref(req.params['reference'])
    res.status(201).json(await recordDepartmentAnswer(deps, currentAgent(req), r, body))
  })
  router.post('/cases/:reference/refer', async (req, res) => {
    const body = referral.parse(req.body)
    res.json(await referExternal(deps, currentAgent(req), ref(req.params['reference']), body))
  })
  return router
}
