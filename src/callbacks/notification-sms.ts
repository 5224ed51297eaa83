import { coerceError } from '../errors.ts'
import type { CallbackDeps } from './deps.ts'

// A burst of breaches must not hold the sweep for long; the rest go on the next pass.
const BATCH = 50

/**
 * Notifications are written to Postgres where they happen (an outbox); this pass sends each one
 * by SMS to agents who have a phone number, once, from the case's hotline. A failed send stays
 * unsent and is tried again on the next sweep.
 */
export async function sendNotificationSms(
  deps: Pick<CallbackDeps, 'db' | 'clock' | 'telephony' | 'logger'>,
): Promise<number> {
  const rows = await deps.db
    .selectFrom('notifications as n')
    .innerJoin('agents as a', 'a.id', 'n.agent_id')
    .leftJoin('cases as c', 'c.id', 'n.case_id')
    .select(['n.id', 'n.body', 'a.phone_number', 'c.hotline_number'])
    .where('n.sms_sent_at', 'is', null)
    .where('a.phone_number', 'is not', null)
    .orderBy('n.id')
    .limit(BATCH)
    .execute()
  const fallbackFrom = (
    await deps.db
      .selectFrom('hotlines')
      .select('phone_number')
      .orderBy('phone_number')
      .executeTakeFirst()
  )?.phone_number
  let sent = 0
  for (const r of rows) {
    const from = r.hotline_number ?? fallbackFrom
    if (!r.phone_number || !from) continue
    try {
      await deps.telephony.sendSms({ to: r.phone_number, from, body: r.body })
      await deps.db
        .updateTable('notifications')
        .set({ sms_sent_at: deps.clock.now() })
        .where('id', '=', r.id)
        .execute()
      sent++
    } catch (e) {
      deps.logger.warn(
        { err: coerceError(e), notificationId: r.id },
        'notification sms failed; retried next sweep',
      )
    }
  }
  return sent
}
