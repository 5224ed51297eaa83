import type { CallbackDeps } from '../callbacks/deps.ts'
import { applyStatusCallback, findCall, recordOutboundLeg } from '../calls/calls.repository.ts'
import { conferenceNameFor } from '../calls/inbound-call.ts'
import type { StatusInput, StatusResult } from '../calls/status-callbacks.ts'
import { textCaller } from '../cases/caller-sms.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import { findDepartment, findPerson } from '../directory/departments.repository.ts'
import { isTerminal } from '../domain/call-status.ts'
import type { Language } from '../domain/language.ts'
import type { BackReason, Briefing } from '../domain/transfer-prompts.ts'
import { departmentContactSms } from '../domain/transfer-prompts.ts'
import { NotFoundError } from '../errors.ts'
import { assignToDepartment } from './assignment.ts'
import { endUnreached, returnCaller } from './transfer-back.ts'
import { completeBridgedOfLeg } from './transfer-end.ts'
import type { Transfer } from './transfers.repository.ts'
import {
  findTransfer,
  LIVE_TRANSFER,
  moveTransfer,
  setTransferLeg,
} from './transfers.repository.ts'

/** The department's leg of a transfer: it answers, hears the hand-off, accepts or declines. */

async function languageOf(deps: CallbackDeps, t: Transfer): Promise<Language> {
  const r = await deps.db
    .selectFrom('calls')
    .select('language')
    .where('call_sid', '=', t.callSid)
    .executeTakeFirst()
  return r?.language ?? deps.config.defaultLanguage
}

async function load(deps: CallbackDeps, id: string) {
  const t = await findTransfer(deps.db, id)
  if (!t) throw new NotFoundError('transfer', id)
  return { t, language: await languageOf(deps, t) }
}

export type DeptAnswer =
  ({ kind: 'briefing'; language: Language } & Briefing) | { kind: 'too_late'; language: Language }

export async function departmentAnswered(deps: CallbackDeps, id: string): Promise<DeptAnswer> {
  const { t, language } = await load(deps, id)
  const at = deps.clock.now()
  if (await moveTransfer(deps.db, id, ['dialing', 'ringing'], 'briefing', at)) {
    await appendCaseEvent(deps.db, {
      caseId: t.caseId,
      type: 'transfer_answered',
      actor: { kind: 'department' },
      at,
      callSid: t.callSid,
      data: { transferId: id, personId: t.personId },
    })
  } else if (t.status !== 'briefing') {
    return { kind: 'too_late', language }
  }
  const kase = await findCaseById(deps.db, t.caseId)
  if (!kase) throw new NotFoundError('case', t.caseId)
  return {
    kind: 'briefing',
    language,
    reference: kase.reference,
    category: (language === 'zh-CN' ? kase.categoryNameZh : kase.categoryNameEn) ?? null,
    place: kase.place,
    content: kase.content,
    note: t.note,
    ownerJobNumber: kase.firstOwnerJobNumber,
    cold: t.mode === 'cold' || t.agentLeftAt !== null,
  }
}

export type DeptChoice =
  | { kind: 'join'; language: Language; conferenceName: string; cold: boolean }
  | { kind: 'declined'; language: Language }
  | { kind: 'too_late'; language: Language }

/**
 * 1 accepts: the department becomes the case's assignee, with the time by which it must name a
 * handler and answer the caller; the first owner does not change (the database refuses that).
 * Anything else declines, and the caller goes back to the agent.
 */
export async function departmentPressed(
  deps: CallbackDeps,
  id: string,
  digits: string | undefined,
): Promise<DeptChoice> {
  const { t, language } = await load(deps, id)
  if (digits?.startsWith('1') !== true) {
    if (await endUnreached(deps, id, 'declined', { kind: 'department' })) {
      await returnCaller(deps, id, 'declined')
      return { kind: 'declined', language }
    }
    return { kind: 'too_late', language }
  }
  const at = deps.clock.now()
  const accepted = await deps.db.transaction().execute(async (trx) => {
    if (!(await moveTransfer(trx, id, ['briefing'], 'consulting', at))) return false
    const kase = await findCaseById(trx, t.caseId)
    if (!kase) throw new NotFoundError('case', t.caseId)
    const dept = await findDepartment(trx, { id: t.departmentId })
    if (!dept) throw new NotFoundError('department', t.departmentId)
    const data = { transferId: id, department: dept.code, personId: t.personId }
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'transfer_accepted',
      actor: { kind: 'department' },
      at,
      callSid: t.callSid,
      data,
    })
    await assignToDepartment(deps, trx, {
      kase,
      department: dept,
      actor: { kind: 'department' },
      at,
      callSid: t.callSid,
      data,
    })
    return true
  })
  const latest = await findTransfer(deps.db, id)
  if (!accepted && latest?.status !== 'consulting' && latest?.status !== 'bridged') {
    return { kind: 'too_late', language }
  }
  if (accepted) await sendDepartmentContact(deps, t)
  return {
    kind: 'join',
    language,
    conferenceName: conferenceNameFor(t.callSid),
    cold: t.mode === 'cold' || latest?.agentLeftAt != null,
  }
}

/** The caller gets the department's contact in writing, with the case reference. */
async function sendDepartmentContact(deps: CallbackDeps, t: Transfer): Promise<void> {
  const [kase, dept] = await Promise.all([
    findCaseById(deps.db, t.caseId),
    findDepartment(deps.db, { id: t.departmentId }),
  ])
  if (!kase || !dept) return
  const answerBy = kase.assigneeDueAt && {
    at: kase.assigneeDueAt,
    timeZone: deps.calendar.timeZone,
  }
  const body = departmentContactSms(kase.reference, dept, kase.firstOwnerJobNumber, answerBy)
  const r = await textCaller(deps, kase, 'department_contact', body)
  await appendCaseEvent(deps.db, {
    caseId: kase.id,
    type: 'department_contact_sent',
    actor: { kind: 'system' },
    at: deps.clock.now(),
    data: {
      transferId: t.id,
      department: dept.code,
      sent: r.sent,
      ...(!r.sent && { reason: r.reason }),
    },
  })
}

const LEG_END: Partial<Record<StatusInput['status'], BackReason>> = {
  'no-answer': 'no_answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'no_answer',
}

/**
 * The department leg's status. Ringing out, busy or failing before an accept sends the caller
 * back; hanging up during the briefing is a decline; hanging up after accepting, before the
 * caller was brought in, also sends the caller back (the case stays with the department).
 */
export async function departmentLegStatus(
  deps: CallbackDeps,
  id: string,
  s: StatusInput,
): Promise<StatusResult> {
  const t = await findTransfer(deps.db, id)
  if (!t) throw new NotFoundError('transfer', id)
  const at = deps.clock.now()
  const result = await deps.db.transaction().execute(async (trx) => {
    await setTransferLeg(trx, id, s.callSid)
    await recordOutboundLeg(trx, {
      callSid: s.callSid,
      kind: 'department',
      parentCallSid: t.callSid,
      caseId: t.caseId,
      agentId: null,
      hotlineNumber: null,
      language: null,
      at,
    })
    return applyStatusCallback(trx, { ...s, at })
  })
  if (result !== 'applied') return result
  if (s.status === 'ringing') await moveTransfer(deps.db, id, ['dialing'], 'ringing', at)
  if (!isTerminal(s.status)) return result
  // The department hung up after talking with the caller: the hand-off is complete.
  await completeBridgedOfLeg(deps, s.callSid)
  const fresh = await findTransfer(deps.db, id)
  if (fresh && LIVE_TRANSFER.includes(fresh.status)) {
    const why: BackReason =
      LEG_END[s.status] ??
      (fresh.status === 'consulting' ? 'cancelled' : fresh.answeredAt ? 'declined' : 'no_answer')
    if (await endUnreached(deps, id, why, { kind: 'department' })) {
      await returnCaller(deps, id, why)
    }
  }
  return result
}

/** Who a transfer's person is, for the API. */
export async function transferPerson(deps: CallbackDeps, t: Transfer) {
  return t.personId === null ? undefined : findPerson(deps.db, t.personId)
}

/** What the caller's hold, announcements and requeue need to say. */
export async function transferView(deps: CallbackDeps, id: string) {
  const { t, language } = await load(deps, id)
  const dept = await findDepartment(deps.db, { id: t.departmentId })
  if (!dept) throw new NotFoundError('department', t.departmentId)
  return { language, dept, conferenceName: conferenceNameFor(t.callSid) }
}

/** The caller back in the queue: the view, and whether their new seat is recorded. */
export async function requeueView(deps: CallbackDeps, id: string) {
  const view = await transferView(deps, id)
  const t = await findTransfer(deps.db, id)
  const call = t && (await findCall(deps.db, t.callSid))
  const hotline = call?.hotlineNumber ? await deps.directory.hotline(call.hotlineNumber) : undefined
  return { ...view, recording: hotline?.recording ?? ('off' as const) }
}
