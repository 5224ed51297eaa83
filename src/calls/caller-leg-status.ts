import type { CallbackDeps } from '../callbacks/deps.ts'
import { isTerminal } from '../domain/call-status.ts'
import { callerLeft } from '../transfers/transfer-control.ts'
import { scheduleOwedReturnCall } from './return-call.ts'
import type { StatusInput, StatusResult } from './status-callbacks.ts'
import { applyCallerStatus } from './status-callbacks.ts'

/**
 * Everything a caller's status callback does: the status, then, once the caller is gone, a
 * transfer under way must not outlive them (the department's phone stops ringing), and a return
 * call the call left owed is put on the schedule at once rather than at the reconciler's next
 * pass. The /voice/status webhook and the stale-calls duty both come here.
 */
export async function applyCallerLegStatus(
  deps: CallbackDeps,
  s: StatusInput,
): Promise<StatusResult> {
  const result = await applyCallerStatus(deps, s)
  if (result === 'applied' && isTerminal(s.status)) {
    await callerLeft(deps, s.callSid)
    await scheduleOwedReturnCall(deps, s.callSid)
  }
  return result
}
