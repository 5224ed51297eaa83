import { agentAddress } from '../agents/agents.repository.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import { dutyAddress } from '../domain/department-duty.ts'
import { coerceError } from '../errors.ts'
import type { Callback, CallbackPurpose } from './callbacks.repository.ts'
import { findCallback } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'
import type { DialContext } from './dial-batch.repository.ts'
import { lockDueForDial, writeClaims } from './dial-batch.repository.ts'
import type { DialResult } from './dial-requests.ts'
import { dialAll } from './dial-requests.ts'
import type { DialSlots } from './dial-slots.ts'

/**
 * Purposes this engine dials: the confirmation call rings the caller; the others ring the
 * person who owes the call first (owner, duty supervisor, the department's on-duty person).
 */
export const DIALLED_PURPOSES: readonly CallbackPurpose[] = [
  'confirmation',
  'promised_reply',
  'unanswered_inbound',
  'department_callback',
]

// A job may fire a little before its due time (clocks of Redis and the worker differ).
const EARLY_TOLERANCE_MS = 1000

export type { DialResult } from './dial-requests.ts'

/** How a job drains a burst: it claims other due callbacks with its own, in one transaction. */
export interface DialBatching {
  /** Most callbacks one job claims, its own included. */
  size: number
  /** Requests in flight for others claimed by this process's jobs: claimed only into free slots. */
  slots: DialSlots
}

export interface DialOutcome {
  /** What happened to the job's own callback. */
  own: DialResult
  /** Other due callbacks this job claimed and settled, by what happened to them. */
  others: Partial<Record<DialResult, number>>
}

/** One scheduled attempt, taking nothing else along (the worker batches; see below). */
export async function dialCallback(
  deps: CallbackDeps,
  job: { callbackId: string; attempt: number },
): Promise<DialResult> {
  return (await dialDueCallbacks(deps, job)).own
}

/**
 * One scheduled attempt, and with `batching` other callbacks already due. Everything is
 * re-checked in Postgres under a row lock first: a duplicate, stale or early job, a case that
 * no longer needs the call, or a moment outside calling hours dials nothing; a callback another
 * job's batch is claiming right now is 'busy' (the worker runs the job again shortly). The claim
 * (pending → dialing for the next attempt) is what makes a call happen at most once, whatever
 * the queue does with the job: the jobs of callbacks claimed here are dropped, and any that runs
 * anyway finds its attempt claimed and skips.
 */
export async function dialDueCallbacks(
  deps: CallbackDeps,
  job: { callbackId: string; attempt: number },
  batching?: DialBatching,
): Promise<DialOutcome> {
  const now = deps.clock.now()
  // Read without a lock first: in a burst most jobs end here, their callback already claimed.
  const cb = await findCallback(deps.db, job.callbackId)
  if (!isDue(cb, job, now)) return { own: 'skipped', others: {} }
  const allowed = deps.callingHours.nextCallingMoment(now)
  if (allowed.getTime() > now.getTime()) {
    await deps.db
      .updateTable('callbacks')
      .set({ due_at: allowed, updated_at: now })
      .where('id', '=', cb.id)
      .where('status', '=', 'pending')
      .execute()
    await deps.scheduler.schedule({ callbackId: cb.id, attempt: job.attempt, dueAt: allowed })
    return { own: 'rescheduled', others: {} }
  }
  // Slots are taken before the claim, so two jobs starting together cannot both fill them.
  const slots = batching?.slots
  const extra = slots ? slots.take(batching.size - 1) : 0
  let plan: Awaited<ReturnType<typeof claimDue>> | undefined
  try {
    plan = await deps.db.transaction().execute((trx) => claimDue(deps, trx, job, now, extra))
  } finally {
    slots?.give(extra - (plan?.dials.filter((d) => !d.own).length ?? 0))
  }
  const taken = plan.dials.filter((d) => !d.own)
  // Their jobs could only skip now: dropping them spares the queue and Postgres a round each.
  const unscheduled = deps.scheduler
    .unscheduleMany(
      taken.map((d) => ({ callbackId: d.cb.id, attempt: d.attempt, dueAt: d.cb.dueAt })),
    )
    .catch((err: unknown) =>
      deps.logger.warn({ err: coerceError(err) }, 'could not drop the jobs of claimed callbacks'),
    )
  const results = await dialAll(deps, plan.dials, (d) => {
    if (!d.own) slots?.give(1)
  })
  await unscheduled
  const others = count(plan.cancelledOthers, 'cancelled', {})
  let own: DialResult = plan.own === 'claimed' ? 'skipped' : plan.own
  for (const [i, d] of plan.dials.entries()) {
    if (d.own) own = results[i] ?? 'unknown'
    else count(1, results[i] ?? 'unknown', others)
  }
  return { own, others }
}

function isDue(cb: Callback | undefined, job: { attempt: number }, now: Date): cb is Callback {
  return (
    !!cb &&
    cb.status === 'pending' &&
    cb.attempt === job.attempt - 1 &&
    DIALLED_PURPOSES.includes(cb.purpose) &&
    // A later due time means the callback moved (calling hours, retry): its own job exists.
    cb.dueAt.getTime() <= now.getTime() + EARLY_TOLERANCE_MS
  )
}

/** A claimed attempt and whom it rings. */
export interface Dial {
  cb: Callback
  attempt: number
  own: boolean
  address: string
  from: string
  personFirst: boolean
}

/** What a claim did with the job's own callback. */
type OwnClaim = 'claimed' | 'cancelled' | 'skipped' | 'busy'

/**
 * Locks the job's callback and up to `extra` others due now, cancels the ones whose case no
 * longer needs a call, and claims the rest with their attempt rows and case events: two
 * statements and one commit for the batch. Others are taken along even when the own one cannot
 * be: it is held by another batch ('busy': that batch's outcome decides, so the job comes back
 * later) or was claimed since the first read ('skipped').
 */
async function claimDue(
  deps: CallbackDeps,
  trx: Db,
  job: { callbackId: string; attempt: number },
  now: Date,
  extra: number,
): Promise<{ dials: Dial[]; own: OwnClaim; cancelledOthers: number }> {
  const locked = await lockDueForDial(trx, {
    ownId: job.callbackId,
    others: { dueBy: now, limit: extra },
    purposes: DIALLED_PURPOSES,
  })
  const ownRow = locked.find((l) => l.own)
  // Missing: another batch holds it. Present: checked again, as that batch may have claimed it
  // since the first read.
  const ownState = !ownRow ? 'busy' : isDue(ownRow.cb, job, now) ? undefined : 'skipped'
  const cancels: { id: string; outcome: string }[] = []
  const toDial: Omit<Dial, 'attempt'>[] = []
  for (const { cb, own, context } of locked) {
    if (own && ownState) continue
    let target: Target
    try {
      target = targetOf(cb.purpose, context)
    } catch (e) {
      if (own) throw e
      // Left pending and unclaimed: its own job meets the same problem and reports it.
      deps.logger.warn({ err: coerceError(e), callbackId: cb.id }, 'callback left out of batch')
      continue
    }
    if ('cancel' in target) cancels.push({ id: cb.id, outcome: target.cancel })
    else toDial.push({ cb, own, ...target })
  }
  const claimed = new Map(
    (await writeClaims(trx, { dial: toDial.map((d) => d.cb.id), cancel: cancels, at: now })).map(
      (c) => [c.id, c.attempt],
    ),
  )
  const dials = toDial.flatMap((d) => {
    const attempt = claimed.get(d.cb.id)
    return attempt === undefined ? [] : [{ ...d, attempt }]
  })
  const ownCancelled = cancels.some((c) => c.id === job.callbackId)
  return {
    dials,
    own: ownState ?? (ownCancelled ? 'cancelled' : 'claimed'),
    cancelledOthers: cancels.length - (ownCancelled ? 1 : 0),
  }
}

function count(
  n: number,
  result: DialResult,
  into: Partial<Record<DialResult, number>>,
): Partial<Record<DialResult, number>> {
  if (n) into[result] = (into[result] ?? 0) + n
  return into
}

type Target = { cancel: string } | { address: string; from: string; personFirst: boolean }

/** Who the attempt rings: the caller (confirmation) or the person who owes them the call. */
function targetOf(purpose: CallbackPurpose, c: DialContext | undefined): Target {
  if (!c) return { cancel: 'case is gone' }
  if (!c.hotlineNumber) return { cancel: 'no hotline to call from' }
  if (['closed', 'referred_external', 'declined'].includes(c.status))
    return { cancel: `case is ${c.status}` }
  if (purpose === 'confirmation') {
    if (c.status !== 'awaiting_confirmation') return { cancel: `case is ${c.status}` }
    return c.callerNumber
      ? { address: c.callerNumber, from: c.hotlineNumber, personFirst: false }
      : { cancel: 'no number to call back' }
  }
  if (!c.callerNumber) return { cancel: 'no number to call back' }
  // The department's on-duty person owes this call; with nobody on duty the first owner, who
  // stays responsible, is rung instead: the caller is never left waiting on an empty roster.
  if (purpose === 'department_callback' && c.departmentPerson) {
    return { address: dutyAddress(c.departmentPerson), from: c.hotlineNumber, personFirst: true }
  }
  if (!c.owner) return { cancel: 'nobody owns the case to make the call' }
  return { address: agentAddress(c.owner), from: c.hotlineNumber, personFirst: true }
}

export async function callerNumber(
  deps: Pick<CallbackDeps, 'db'>,
  kase: CaseSummary,
): Promise<string | undefined> {
  if (!kase.callerId) return undefined
  const r = await deps.db
    .selectFrom('callers')
    .select('phone_number')
    .where('id', '=', kase.callerId)
    .executeTakeFirst()
  return r?.phone_number
}
