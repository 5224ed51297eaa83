import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { smsRoute, textCaller } from '../cases/caller-sms.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork } from '../cases/case-work-guard.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import { findServiceItem } from '../directory/catalogue.ts'
import type { Language } from '../domain/language.ts'
import { noticeText, referenceFromDigits } from '../domain/notice-text.ts'
import { AppError, NotFoundError } from '../errors.ts'

export interface SentNotice {
  id: string
  item: string
  language: Language
  body: string
  sent: boolean
  createdAt: Date
}

async function hotlineLanguage(deps: CallbackDeps, kase: CaseSummary): Promise<Language> {
  const h = kase.hotlineNumber ? await deps.directory.hotline(kase.hotlineNumber) : undefined
  return h?.language ?? deps.config.defaultLanguage
}

/**
 * Sends one complete notice for a service item to the caller, in one action, and records it on
 * the case exactly as sent. A caller without a textable number gets nothing recorded: the agent
 * is told to read it out instead.
 */
export async function sendNotice(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  req: { item: string; language?: Language },
): Promise<SentNotice> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  // Checked before the SMS goes: a text once sent cannot be rolled back with a transaction.
  assertCaseTakesWork(kase, 'a notice')
  const item = await findServiceItem(deps.db, { code: req.item })
  if (!item?.active) throw new NotFoundError('service item', req.item)
  const wanted = req.language ?? (await hotlineLanguage(deps, kase))
  const language: Language | undefined = item.content[wanted]
    ? wanted
    : (Object.keys(item.content)[0] as Language | undefined)
  const content = language ? item.content[language] : undefined
  if (!language || !content)
    throw new AppError('invalid_state', `service item ${req.item} has no text`)
  if (!(await smsRoute(deps.db, kase))) {
    throw new AppError(
      'invalid_state',
      `the caller of case ${reference} has no number we can text; read the notice to them`,
    )
  }
  const body = noticeText(kase.reference, language, content)
  return record(deps, kase, { itemId: item.id, itemCode: item.code, language, body, agent })
}

async function record(
  deps: CallbackDeps,
  kase: CaseSummary,
  n: {
    itemId: number
    itemCode: string
    language: Language
    body: string
    agent?: Agent
    resentFrom?: string
  },
): Promise<SentNotice> {
  const sms = await textCaller(deps, kase, 'notice', n.body)
  const at = deps.clock.now()
  const row = await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('case_notices')
      .values({
        case_id: kase.id,
        service_item_id: n.itemId,
        language: n.language,
        body: n.body,
        to_number: sms.to ?? '',
        sms_id: sms.smsId ?? null,
        sent_by_agent_id: n.agent?.id ?? null,
        resent_from: n.resentFrom ?? null,
        created_at: at,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: n.resentFrom ? 'notice_resent' : 'notice_sent',
      actor: n.agent ? { kind: 'agent', agentId: n.agent.id } : { kind: 'caller' },
      at,
      data: { noticeId: r.id, item: n.itemCode, language: n.language, sent: sms.sent },
    })
    return r
  })
  if (!sms.sent) {
    throw new AppError('unavailable', `the notice is recorded but the SMS failed; try again`)
  }
  return {
    id: row.id,
    item: n.itemCode,
    language: n.language,
    body: n.body,
    sent: true,
    createdAt: row.created_at,
  }
}

export async function listNotices(deps: CallbackDeps, caseId: string): Promise<SentNotice[]> {
  const rows = await deps.db
    .selectFrom('case_notices as n')
    .innerJoin('service_items as i', 'i.id', 'n.service_item_id')
    .leftJoin('sms_messages as m', 'm.id', 'n.sms_id')
    .select(['n.id', 'i.code', 'n.language', 'n.body', 'm.status', 'n.created_at'])
    .where('n.case_id', '=', caseId)
    .orderBy('n.id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    item: r.code,
    language: r.language,
    body: r.body,
    sent: r.status === 'sent',
    createdAt: r.created_at,
  }))
}

/**
 * A caller asks from the IVR, keying in their case reference: every notice of that case is sent
 * again, to the number on the case only, so keying someone else's reference reveals nothing.
 */
export async function resendNoticesByDigits(
  deps: CallbackDeps,
  digits: string | undefined,
): Promise<'resent' | 'none'> {
  const reference = referenceFromDigits(deps.config.caseReferencePrefix, digits ?? '')
  const kase = reference ? await findCaseByReference(deps.db, reference) : undefined
  if (!kase) return 'none'
  const latest = await deps.db
    .selectFrom('case_notices')
    .select(['id', 'service_item_id', 'language', 'body'])
    .distinctOn('service_item_id')
    .where('case_id', '=', kase.id)
    .orderBy('service_item_id')
    .orderBy('id', 'desc')
    .execute()
  if (latest.length === 0) return 'none'
  for (const n of latest) {
    const item = await findServiceItem(deps.db, { id: n.service_item_id })
    await record(deps, kase, {
      itemId: n.service_item_id,
      itemCode: item?.code ?? String(n.service_item_id),
      language: n.language,
      body: n.body,
      resentFrom: n.id,
      // A failed send is on record (status failed, with its text); the caller still hears the
      // answer, and the other notices are still sent.
    }).catch(() => undefined)
  }
  return 'resent'
}
