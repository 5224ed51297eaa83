import { applyStatusCallback, recordOutboundLeg } from '../calls/calls.repository.ts'
import type { StatusInput, StatusResult } from '../calls/status-callbacks.ts'
import type { AttemptOutcome } from '../db/schema.ts'
import { isTerminal } from '../domain/call-status.ts'
import { attemptFailed } from './after-attempt.ts'
import { findCallback, setAttemptCall } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'

const FAILED: Partial<Record<StatusInput['status'], AttemptOutcome>> = {
  'no-answer': 'no_answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'failed',
  // Answered and over without the caller's verdict (hung up, or talked to the owner).
  completed: 'hung_up',
}

/** Status of a return-call leg: recorded once, in order; an unanswered end means a retry. */
export async function applyCallbackLegStatus(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  s: StatusInput,
): Promise<StatusResult> {
  const at = deps.clock.now()
  const cb = await findCallback(deps.db, callbackId)
  if (!cb) return 'unknown_call'
  await setAttemptCall(deps.db, callbackId, attempt, s.callSid)
  await recordOutboundLeg(deps.db, {
    callSid: s.callSid,
    kind: 'callback',
    parentCallSid: null,
    caseId: cb.caseId,
    agentId: null,
    hotlineNumber: null,
    language: null,
    at,
  })
  const result = await applyStatusCallback(deps.db, { ...s, at })
  const failed = FAILED[s.status]
  // attemptFailed does nothing if the caller's key already settled this attempt.
  if (result === 'applied' && isTerminal(s.status) && failed) {
    await attemptFailed(deps, callbackId, attempt, failed)
  }
  return result
}
