import { sql } from 'kysely'

import type { AdminAction } from '../admin/admin-events.repository.ts'
import { appendAdminEvent } from '../admin/admin-events.repository.ts'
import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { CalendarOverride } from '../domain/calendar/day-rules.ts'
import type { TimeLimitPolicy } from '../domain/time-limits.ts'
import { AppError, coerceError, NotFoundError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import {
  deleteCalendarOverride,
  findCalendarOverride,
  putCalendarOverride,
} from './calendar-overrides.repository.ts'
import type { LimitSettings } from './limit-settings.ts'
import type { PolicyKey } from './policies.repository.ts'
import {
  categoryExists,
  deletePolicy,
  findStoredPolicy,
  writePolicy,
} from './policies.repository.ts'

export interface EditDeps {
  db: Db
  clock: Clock
  logger: Logger
  limitSettings: Pick<LimitSettings, 'load'>
}

export interface EditResult {
  action: AdminAction | 'unchanged'
}

/**
 * Settings edits are rare and each reads the row before writing it (for the audit): one lock for
 * all of them keeps two administrators from both "creating" the same row.
 */
export const lockSettings = (trx: Db) =>
  sql`select pg_advisory_xact_lock(hashtextextended('shouwen.limit-settings', 0))`.execute(trx)

export const policyKeyText = (k: PolicyKey) => `${k.step}:${k.category ?? '*'}:${k.variant ?? '*'}`

const policyData = (p: TimeLimitPolicy) => ({
  step: p.step,
  category: p.category,
  variant: p.variant,
  amount: p.amount,
  unit: p.unit,
  basis: p.basis,
  source: p.source,
})

/** Sets one policy (new or replacing the one with its key); new cases get it at once. */
export async function savePolicy(
  deps: EditDeps,
  agent: Agent,
  p: TimeLimitPolicy,
): Promise<EditResult> {
  if (p.category !== null && !(await categoryExists(deps.db, p.category))) {
    throw new AppError(
      'bad_request',
      `category: no category has the code ${JSON.stringify(p.category)}; create it first or use one of the existing codes`,
    )
  }
  const at = deps.clock.now()
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const before = await findStoredPolicy(trx, p, { forUpdate: true })
    const after = policyData(p)
    if (before && sameJson(policyData(before), after)) return { action: 'unchanged' as const }
    await writePolicy(trx, p, { exists: before !== undefined, by: agent.id, at })
    const action = before ? ('updated' as const) : ('created' as const)
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'time_limit_policy',
      entityKey: policyKeyText(p),
      action,
      before: before ? policyData(before) : null,
      after,
      at,
    })
    return { action }
  })
  await reloadSettings(deps)
  return result
}

/**
 * Removes a category's or variant's own policy, so the more general one applies again. A step's
 * global default (no category, no variant) stays: without it a step would silently have no limit.
 */
export async function removePolicy(deps: EditDeps, agent: Agent, key: PolicyKey): Promise<void> {
  if (key.category === null && key.variant === null) {
    throw new AppError(
      'invalid_state',
      `the ${key.step} policy for any category is the step's default and cannot be deleted; change it with PUT instead`,
    )
  }
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const before = await findStoredPolicy(trx, key, { forUpdate: true })
    if (!before || !(await deletePolicy(trx, key))) {
      throw new NotFoundError('time-limit policy', policyKeyText(key))
    }
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'time_limit_policy',
      entityKey: policyKeyText(key),
      action: 'deleted',
      before: policyData(before),
      after: null,
      at,
    })
  })
  await reloadSettings(deps)
}

/** Declares a date a workday or a holiday, whatever the published arrangement says. */
export async function saveCalendarOverride(
  deps: EditDeps,
  agent: Agent,
  o: Required<CalendarOverride>,
): Promise<EditResult> {
  const at = deps.clock.now()
  const after = { date: o.date, kind: o.kind, note: o.note }
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const found = await findCalendarOverride(trx, o.date, { forUpdate: true })
    const before = found && { date: found.date, kind: found.kind, note: found.note }
    if (before && sameJson(before, after)) return { action: 'unchanged' as const }
    await putCalendarOverride(trx, { ...after, by: agent.id, at })
    const action = before ? ('updated' as const) : ('created' as const)
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'calendar_override',
      entityKey: o.date,
      action,
      before: before ?? null,
      after,
      at,
    })
    return { action }
  })
  await reloadSettings(deps)
  return result
}

/** The date goes back to the published arrangement and the weekend rule. */
export async function removeCalendarOverride(
  deps: EditDeps,
  agent: Agent,
  date: string,
): Promise<void> {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const found = await findCalendarOverride(trx, date, { forUpdate: true })
    if (!found || !(await deleteCalendarOverride(trx, date))) {
      throw new NotFoundError('calendar override for', date)
    }
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'calendar_override',
      entityKey: date,
      action: 'deleted',
      before: { date: found.date, kind: found.kind, note: found.note },
      after: null,
      at,
    })
  })
  await reloadSettings(deps)
}

/** The change is committed either way; if this reload fails, the periodic one catches up. */
export async function reloadSettings(deps: EditDeps): Promise<void> {
  await deps.limitSettings
    .load()
    .catch((e: unknown) =>
      deps.logger.warn(
        { err: coerceError(e) },
        'saved, but could not reload the time limits; it takes effect with the next periodic reload',
      ),
    )
}

function sameJson(a: object, b: object): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
