import type { Db } from '../db/database.ts'
import { isWithheldNumber } from '../domain/caller-number.ts'
import { applyCallerVerdict } from './closure.ts'
import type { CallbackDeps } from './deps.ts'

export type SmsVerdictOutcome = 'closed' | 'reopened' | 'not_understood' | 'no_case'

/**
 * A caller's SMS answer to "reply 1 if solved, 2 if not" (sent when return calls found nobody).
 * It applies to that caller's most recent case awaiting their confirmation. Recorded once per
 * message: Twilio retries the webhook with the same MessageSid, and the retry gets the reply the
 * first delivery got.
 */
export async function applySmsVerdict(
  deps: CallbackDeps,
  m: { messageSid: string; from: string; to: string; body: string },
): Promise<SmsVerdictOutcome> {
  const at = deps.clock.now()
  const key = m.body.trim().slice(0, 1)
  return deps.db.transaction().execute(async (trx) => {
    const kase = isWithheldNumber(m.from)
      ? undefined
      : await trx
          .selectFrom('cases')
          .innerJoin('callers', 'callers.id', 'cases.caller_id')
          .select('cases.id')
          .where('callers.phone_number', '=', m.from)
          .where('cases.status', '=', 'awaiting_confirmation')
          .orderBy('cases.resolved_at', 'desc')
          .executeTakeFirst()
    // A concurrent retry waits here on the unique MessageSid until the first delivery commits.
    const fresh = await trx
      .insertInto('sms_messages')
      .values({
        message_sid: m.messageSid,
        direction: 'inbound',
        case_id: kase?.id ?? null,
        purpose: 'confirmation_reply',
        to_number: m.to,
        from_number: m.from,
        body: m.body,
        status: 'received',
        created_at: at,
      })
      .onConflict((oc) => oc.column('message_sid').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!fresh) return replayedOutcome(trx, m.messageSid)
    const outcome = await applyVerdict(deps, trx, kase?.id, key)
    await trx
      .updateTable('sms_messages')
      .set({ reply_outcome: outcome })
      .where('id', '=', fresh.id)
      .execute()
    return outcome
  })
}

/** A retry: the first delivery already acted; answer as it did, change nothing. */
async function replayedOutcome(db: Db, messageSid: string): Promise<SmsVerdictOutcome> {
  const first = await db
    .selectFrom('sms_messages')
    .select('reply_outcome')
    .where('message_sid', '=', messageSid)
    .executeTakeFirst()
  // Rows from before replies were stored, or a MessageSid we sent ourselves: ask again.
  return first?.reply_outcome ?? 'not_understood'
}

async function applyVerdict(
  deps: CallbackDeps,
  trx: Db,
  caseId: string | undefined,
  key: string,
): Promise<SmsVerdictOutcome> {
  if (!caseId) return 'no_case'
  if (key !== '1' && key !== '2') return 'not_understood'
  const at = deps.clock.now()
  const solved = key === '1'
  await trx
    .updateTable('callbacks')
    .set({
      status: 'done',
      outcome: solved ? 'confirmed_by_sms' : 'rework_by_sms',
      updated_at: at,
    })
    .where('case_id', '=', caseId)
    .where('purpose', '=', 'confirmation')
    .where('status', 'in', ['pending', 'dialing'])
    .execute()
  const applied = await applyCallerVerdict(deps, trx, { caseId, solved, via: 'sms' })
  if (!applied) return 'not_understood'
  return solved ? 'closed' : 'reopened'
}

export const SMS_REPLIES: Record<SmsVerdictOutcome, string> = {
  closed: '感谢确认，工单已关闭。Thank you, your case is closed.',
  reopened: '已为您重新处理，负责客服会尽快联系您。We have reopened your case.',
  not_understood: '请回复 1（已解决）或 2（未解决）。Please reply 1 (solved) or 2 (not solved).',
  no_case:
    '未找到待确认的工单，如需帮助请致电热线。No case is waiting for your reply; please call the hotline.',
}
