import type { CallbackDeps } from '../callbacks/deps.ts'
import { declinedSms } from '../domain/decline-text.ts'
import { textCaller } from './caller-sms.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import type { CaseSummary } from './cases.repository.ts'

export type DeclineNoticeDeps = Pick<CallbackDeps, 'db' | 'clock' | 'telephony' | 'logger'>

/**
 * The caller is told the decision and its written reason, by SMS, once the decline is approved
 * (the sources: a request that is not taken up is reported, with its reason, to the one who
 * asked). Sent after the decision commits, so a failed SMS never undoes the decision: the text
 * is on the case either way (sms_messages, status sent or failed) and the event says which.
 */
export async function tellCallerDeclined(
  deps: DeclineNoticeDeps,
  kase: Pick<CaseSummary, 'id' | 'reference' | 'callerId' | 'hotlineNumber'>,
  reason: string,
): Promise<void> {
  const sms = await textCaller(deps, kase, 'declined', declinedSms(kase.reference, reason))
  await appendCaseEvent(deps.db, {
    caseId: kase.id,
    type: 'decline_sms_sent',
    actor: { kind: 'system' },
    at: deps.clock.now(),
    data: {
      sent: sms.sent,
      smsId: sms.smsId ?? null,
      ...(!sms.sent && { why: sms.reason }),
    },
  })
}
