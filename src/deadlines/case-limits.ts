import type { CallDeps } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { LimitStepName } from '../db/schema.ts'
import type { WorkingCalendar } from '../domain/calendar/working-calendar.ts'
import type { TimeLimitPolicy } from '../domain/time-limits.ts'
import { findPolicy, limitWindow } from '../domain/time-limits.ts'
import {
  completeDeadline,
  endCaseClocks,
  type NewClock,
  openDeadline,
  openDeadlines,
} from './deadlines.repository.ts'

export interface LimitDeps {
  calendar: WorkingCalendar
  /** The policies in force: administrators' edits, held in memory (src/limit-settings). */
  limitSettings: { policies(): readonly TimeLimitPolicy[] }
}

interface StepStart {
  caseId: string
  step: LimitStepName
  category: string | null
  variant?: string | null
  at: Date
  round?: number
  departmentId?: number | null
}

/** The clock a step gets by the policy for its category (and variant); null when none has one. */
function plannedClock(deps: LimitDeps, s: StepStart): NewClock | null {
  const policy = findPolicy(deps.limitSettings.policies(), s.step, s.category, s.variant ?? null)
  if (!policy) return null
  const w = limitWindow(policy, s.at, deps.calendar)
  return {
    caseId: s.caseId,
    step: s.step,
    startedAt: s.at,
    dueAt: w.dueAt,
    warnAt: w.warnAt,
    round: s.round ?? 1,
    departmentId: s.departmentId ?? null,
  }
}

/**
 * Starts the clock on a step of a case, by the policy for its category (and variant). A
 * category without a policy for the step (the sources leave some to the manager) has none.
 */
export async function startStep(
  deps: LimitDeps,
  trx: Db,
  s: StepStart,
): Promise<{ dueAt: Date } | null> {
  const clock = plannedClock(deps, s)
  if (!clock) return null
  await openDeadline(trx, clock)
  return { dueAt: clock.dueAt }
}

/** The limits every new case starts with: record it, dispatch it, resolve it. */
export async function startCaseLimits(
  deps: LimitDeps & Pick<CallDeps, 'db'>,
  trx: Db,
  c: { caseId: string; category: string | null; variant?: string | null; at: Date },
): Promise<void> {
  const clocks = (['record', 'dispatch', 'resolution'] as const).flatMap(
    (step) => plannedClock(deps, { ...c, step, variant: c.variant ?? null }) ?? [],
  )
  await openDeadlines(trx, clocks)
}

/**
 * The open resolution clock planned again for a new category or variant, from the moment it
 * started (the case's start: the limit is the case's, not the reclassification's). Returns the
 * due time before and after, or undefined when the work is already done (nothing to re-plan).
 * A case whose clock never started (no policy then) gets one now, from `caseStartedAt`.
 */
export async function replanResolution(
  deps: LimitDeps,
  trx: Db,
  c: { caseId: string; category: string | null; variant: string | null; caseStartedAt: Date },
): Promise<{ from: Date | null; to: Date; source: string } | undefined> {
  const rows = await trx
    .selectFrom('case_deadlines')
    .select(['id', 'started_at', 'due_at', 'outcome'])
    .where('case_id', '=', c.caseId)
    .where('step', '=', 'resolution')
    .orderBy('round', 'desc')
    .orderBy('started_at', 'desc')
    .execute()
  // The current round's clock; once it has ended (work done, case ended) nothing moves.
  const row = rows[0]
  if (row && row.outcome !== 'open') return undefined
  const policy = findPolicy(deps.limitSettings.policies(), 'resolution', c.category, c.variant)
  if (!policy) return undefined
  const start = row?.started_at ?? c.caseStartedAt
  const w = limitWindow(policy, start, deps.calendar)
  if (!row) {
    await openDeadline(trx, { caseId: c.caseId, step: 'resolution', ...w })
    return { from: null, to: w.dueAt, source: policy.source }
  }
  // A warning or breach already reported stays on the timeline. When the time moves later,
  // the beat judges afresh against it; moved earlier, what was reported still holds.
  const later = w.dueAt.getTime() > row.due_at.getTime()
  await trx
    .updateTable('case_deadlines')
    .set({
      due_at: w.dueAt,
      warn_at: w.warnAt,
      ...(later ? { warned_at: null, breached_at: null } : {}),
    })
    .where('id', '=', row.id)
    .execute()
  return { from: row.due_at, to: w.dueAt, source: policy.source }
}

export { endCaseClocks, completeDeadline as finishStep }
