import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Db } from '../db/database.ts'
import { isWithheldNumber } from '../domain/caller-number.ts'
import { coerceError } from '../errors.ts'
import type { CaseSummary } from './cases.repository.ts'

/** Where the caller of a case can be texted: their own number, from the hotline they called. */
export async function smsRoute(
  db: Db,
  kase: Pick<CaseSummary, 'callerId' | 'hotlineNumber'>,
): Promise<{ to: string; from: string } | undefined> {
  if (!kase.callerId || !kase.hotlineNumber) return undefined
  const r = await db
    .selectFrom('callers')
    .select('phone_number')
    .where('id', '=', kase.callerId)
    .executeTakeFirst()
  if (!r || isWithheldNumber(r.phone_number)) return undefined
  return { to: r.phone_number, from: kase.hotlineNumber }
}

export type SmsResult =
  | { sent: true; smsId: string; to: string }
  | { sent: false; reason: 'no_number' | 'send_failed'; smsId?: string; to?: string }

/**
 * Texts the caller of a case. The message is written down before it is sent, so a failure is on
 * record with the exact text (status `failed`) rather than lost.
 */
export async function textCaller(
  deps: Pick<CallbackDeps, 'db' | 'clock' | 'telephony' | 'logger'>,
  kase: Pick<CaseSummary, 'id' | 'callerId' | 'hotlineNumber'>,
  purpose: string,
  body: string,
): Promise<SmsResult> {
  const route = await smsRoute(deps.db, kase)
  if (!route) return { sent: false, reason: 'no_number' }
  const row = await deps.db
    .insertInto('sms_messages')
    .values({
      message_sid: null,
      direction: 'outbound',
      case_id: kase.id,
      purpose,
      to_number: route.to,
      from_number: route.from,
      body,
      status: 'sending',
      created_at: deps.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  try {
    const { messageSid } = await deps.telephony.sendSms({ ...route, body })
    await deps.db
      .updateTable('sms_messages')
      .set({ message_sid: messageSid, status: 'sent' })
      .where('id', '=', row.id)
      .execute()
    return { sent: true, smsId: row.id, to: route.to }
  } catch (e) {
    deps.logger.warn({ err: coerceError(e), caseId: kase.id, purpose }, 'sms to caller failed')
    await deps.db
      .updateTable('sms_messages')
      .set({ status: 'failed' })
      .where('id', '=', row.id)
      .execute()
    return { sent: false, reason: 'send_failed', smsId: row.id, to: route.to }
  }
}
