import type { CallbackDeps } from '../callbacks/deps.ts'
import { applyStatusCallback } from '../calls/calls.repository.ts'
import type { StatusInput, StatusResult } from '../calls/status-callbacks.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { isTerminal } from '../domain/call-status.ts'
import { findSoftphoneCall } from './softphone.repository.ts'

/**
 * The end of a call placed from the softphone: the Dial's outcome (its `action`) or the TwiML
 * App's status callback, whichever comes first. Status only moves forward and each is applied
 * once, so the timeline gets one "call ended" however Twilio retries or reorders them.
 */
export async function softphoneCallStatus(
  deps: Pick<CallbackDeps, 'db' | 'clock'>,
  s: StatusInput,
): Promise<StatusResult> {
  const call = await findSoftphoneCall(deps.db, s.callSid)
  if (!call) return 'unknown_call'
  const at = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const result = await applyStatusCallback(trx, { ...s, at })
    if (result === 'applied' && isTerminal(s.status) && call.caseId) {
      await appendCaseEvent(trx, {
        caseId: call.caseId,
        type: 'softphone_call_ended',
        actor:
          call.agentId === null ? { kind: 'system' } : { kind: 'agent', agentId: call.agentId },
        at,
        callSid: s.callSid,
        data: { status: s.status, durationSeconds: s.durationSeconds },
      })
    }
    return result
  })
}
