import type { CallDeps } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { LimitStepName } from '../db/schema.ts'
import type { WorkingCalendar } from '../domain/calendar/working-calendar.ts'
import type { TimeLimitPolicy } from '../domain/time-limits.ts'
import { findPolicy, limitWindow } from '../domain/time-limits.ts'
import { completeDeadline, endCaseClocks, openDeadline } from './deadlines.repository.ts'

export interface LimitDeps {
  calendar: WorkingCalendar
  /** The policies in force: administrators' edits, held in memory (src/limit-settings). */
  limitSettings: { policies(): readonly TimeLimitPolicy[] }
}

/**
 * Starts the clock on a step of a case, by the policy for its category (and variant). A
 * category without a policy for the step (the sources leave some to the manager) has none.
 */
export async function startStep(
  deps: LimitDeps,
  trx: Db,
  s: {
    caseId: string
    step: LimitStepName
    category: string | null
    variant?: string | null
    at: Date
    round?: number
    departmentId?: number | null
  },
): Promise<{ dueAt: Date } | null> {
  const policy = findPolicy(deps.limitSettings.policies(), s.step, s.category, s.variant ?? null)
  if (!policy) return null
  const w = limitWindow(policy, s.at, deps.calendar)
  await openDeadline(trx, {
    caseId: s.caseId,
    step: s.step,
    startedAt: s.at,
    dueAt: w.dueAt,
    warnAt: w.warnAt,
    round: s.round ?? 1,
    departmentId: s.departmentId ?? null,
  })
  return { dueAt: w.dueAt }
}

/** The limits every new case starts with: record it, dispatch it, resolve it. */
export async function startCaseLimits(
  deps: LimitDeps & Pick<CallDeps, 'db'>,
  trx: Db,
  c: { caseId: string; category: string | null; at: Date },
): Promise<void> {
  for (const step of ['record', 'dispatch', 'resolution'] as const) {
    await startStep(deps, trx, { caseId: c.caseId, step, category: c.category, at: c.at })
  }
}

export { endCaseClocks, completeDeadline as finishStep }
