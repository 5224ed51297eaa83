import type { CallbackDeps } from '../callbacks/deps.ts'
import { applyCallbackLegStatus } from '../callbacks/leg-status.ts'
import type { CallStatus } from '../domain/call-status.ts'
import { CALL_STATUSES, isTerminal } from '../domain/call-status.ts'
import { coerceError } from '../errors.ts'
import { softphoneCallStatus } from '../softphone/softphone-status.ts'
import { departmentLegStatus } from '../transfers/department-leg.ts'
import { applyCallerLegStatus } from './caller-leg-status.ts'
import { applyStatusCallback } from './calls.repository.ts'
import type { StaleCall } from './stale-calls.repository.ts'
import { findLegOwner, findStaleCalls, markStatusChecked } from './stale-calls.repository.ts'
import type { StatusInput } from './status-callbacks.ts'
import { applyAgentLegStatus } from './status-callbacks.ts'

/** No status callback for this long: the call's final one may have been lost; ask Twilio. */
export const STALE_AFTER_MS = 2 * 60_000
/** A call Twilio says is still live (a long conference) is asked about again only after this. */
export const RECHECK_AFTER_MS = 10 * 60_000
/**
 * A call Twilio does not know (404) is ended as `failed` only once nothing has been heard of it
 * for this long; before, it is left for the next check. Twilio keeps calls for months, so a 404
 * means the call never reached this account (or the simulator restarted and forgot it).
 */
export const UNKNOWN_ENDS_AFTER_MS = 60 * 60_000
export const STALE_BATCH = 100
/**
 * Wall time one run may spend asking (a slow Twilio: 100 calls at a 10 s timeout would outlast
 * the beat's lease); what is left is the next beat's, oldest first as ever.
 */
export const STALE_RUN_BUDGET_MS = 30_000

export interface StaleCallsResult {
  checked: number
  ended: number
  stillLive: number
  unknownEnded: number
  errors: number
}

/**
 * Twilio never retries a status callback: when the final one is lost (an instance killed, an
 * overload), the call would stay "live" for ever. For each call quiet too long, this asks Twilio
 * and, when Twilio says it ended, applies that status through the same use-case its callback
 * would have reached, so queue, offers, wrap-up and transfers move exactly as they would have.
 * It never guesses: a call Twilio says is live is left alone (and asked again later). A late
 * real callback then finds the status already applied and changes nothing (status only moves
 * forward). The end time recorded is this sweep's, as the callback's would be its arrival's.
 */
export async function endStaleCalls(
  deps: CallbackDeps,
  o: { limit?: number; budgetMs?: number } = {},
): Promise<StaleCallsResult> {
  const deadline = Date.now() + (o.budgetMs ?? STALE_RUN_BUDGET_MS)
  const now = deps.clock.now()
  const calls = await findStaleCalls(deps.db, {
    staleBefore: new Date(now.getTime() - STALE_AFTER_MS),
    recheckBefore: new Date(now.getTime() - RECHECK_AFTER_MS),
    limit: o.limit ?? STALE_BATCH,
  })
  const r: StaleCallsResult = { checked: 0, ended: 0, stillLive: 0, unknownEnded: 0, errors: 0 }
  for (const call of calls) {
    if (Date.now() >= deadline) break
    r.checked++
    try {
      const outcome = await checkCall(deps, call, now)
      if (outcome === 'ended') r.ended++
      else if (outcome === 'unknown_ended') r.unknownEnded++
      else r.stillLive++
    } catch (e) {
      // Twilio or the use-case failed: the call stays as it was and is asked again after the
      // recheck period, so one bad call cannot hold back the rest of the batch every beat.
      r.errors++
      deps.logger.warn({ err: coerceError(e), callSid: call.callSid }, 'stale call check failed')
    }
    await markStatusChecked(deps.db, call.callSid, now)
  }
  return r
}

async function checkCall(
  deps: CallbackDeps,
  call: StaleCall,
  now: Date,
): Promise<'ended' | 'unknown_ended' | 'live'> {
  const fetched = await deps.telephony.fetchCall(call.callSid)
  if (!fetched) {
    if (now.getTime() - call.updatedAt.getTime() < UNKNOWN_ENDS_AFTER_MS) return 'live'
    await applyStatus(deps, call, { status: 'failed', durationSeconds: null })
    deps.metrics.staleCallsEnded.inc({ kind: call.kind, status: 'unknown' })
    return 'unknown_ended'
  }
  const status = asCallStatus(fetched.status)
  if (!status || !isTerminal(status)) return 'live'
  await applyStatus(deps, call, { status, durationSeconds: fetched.durationSeconds })
  deps.metrics.staleCallsEnded.inc({ kind: call.kind, status })
  return 'ended'
}

function asCallStatus(s: string): CallStatus | undefined {
  return (CALL_STATUSES as readonly string[]).includes(s) ? (s as CallStatus) : undefined
}

/** Hands the status to the leg's own status use-case, as its webhook would. */
async function applyStatus(
  deps: CallbackDeps,
  call: StaleCall,
  f: { status: CallStatus; durationSeconds: number | null },
): Promise<void> {
  // After every callback the call had, as Twilio's own final event would be.
  const s: StatusInput = {
    callSid: call.callSid,
    status: f.status,
    sequenceNumber: call.lastSequence + 1,
    durationSeconds: f.durationSeconds,
  }
  const owner = await findLegOwner(deps.db, call)
  switch (owner?.kind) {
    case 'caller':
      await applyCallerLegStatus(deps, s)
      return
    case 'agent_offer':
      await applyAgentLegStatus(deps, owner.offerId, s)
      return
    case 'department':
      await departmentLegStatus(deps, owner.transferId, s)
      return
    case 'callback':
      await applyCallbackLegStatus(deps, owner.callbackId, owner.attempt, s)
      return
    case 'softphone':
      await softphoneCallStatus(deps, s)
      return
    case undefined:
      // A leg nothing else refers to (its offer or attempt gone): only the call row can end.
      await applyStatusCallback(deps.db, { ...s, at: deps.clock.now() })
  }
}
