import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { endCaseClocks } from '../deadlines/case-limits.ts'
import { findExternalBody } from '../directory/catalogue.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'
import { referralSms } from '../domain/transfer-prompts.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { textCaller } from './caller-sms.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import { assertCaseTakesWork } from './case-work-guard.ts'
import type { CaseSummary } from './cases.repository.ts'
import { findCaseById } from './cases.repository.ts'
import { caseToWorkOn } from './update-case.ts'

export type ReferralRequest =
  { body: string; note?: string } | { name: string; phone: string; note?: string }

/**
 * The matter belongs outside the organisation: the caller is told which body handles it and
 * how to reach them (by SMS as well), and the case ends as `referred_external`. Its open limits
 * and pending return calls end with it; the first owner stays on record.
 */
export async function referExternal(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  req: ReferralRequest,
): Promise<CaseSummary> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'a referral')
  const to =
    'body' in req
      ? await findExternalBody(deps.db, req.body)
      : { name: req.name, phone: req.phone, code: null, active: true }
  if (!to?.active) throw new NotFoundError('external body', 'body' in req ? req.body : '')
  const referral = { name: to.name, phone: to.phone, note: req.note ?? null }
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('cases')
      .set({ status: 'referred_external', referral: JSON.stringify(referral), updated_at: at })
      .where('id', '=', kase.id)
      .where('status', 'in', [...OPEN_CASE_STATUSES])
      .executeTakeFirst()
    if (r.numUpdatedRows !== 1n) {
      throw new AppError(
        'invalid_state',
        `case ${reference} is ${kase.status}; it cannot be referred`,
      )
    }
    await endCaseClocks(trx, kase.id, at)
    await trx
      .updateTable('callbacks')
      .set({ status: 'cancelled', outcome: 'referred_external', updated_at: at })
      .where('case_id', '=', kase.id)
      .where('status', '=', 'pending')
      .execute()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'referred_external',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { ...referral, body: to.code },
    })
  })
  const sms = await textCaller(deps, kase, 'referral', referralSms(kase.reference, referral))
  await appendCaseEvent(deps.db, {
    caseId: kase.id,
    type: 'department_contact_sent',
    actor: { kind: 'system' },
    at: deps.clock.now(),
    data: { referral: true, sent: sms.sent },
  })
  return (await findCaseById(deps.db, kase.id)) ?? kase
}
