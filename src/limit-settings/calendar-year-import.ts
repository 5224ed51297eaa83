import { appendAdminEvent } from '../admin/admin-events.repository.ts'
import type { Agent } from '../agents/agents.repository.ts'
import type { OfficialYear } from '../domain/calendar/official-years.ts'
import { officialYearProblems } from '../domain/calendar/official-years.ts'
import { AppError, NotFoundError } from '../errors.ts'
import {
  deleteCalendarYear,
  findCalendarYear,
  putCalendarYear,
} from './calendar-years.repository.ts'
import type { EditDeps, EditResult } from './edit-limit-settings.ts'
import { lockSettings, reloadSettings } from './edit-limit-settings.ts'

/** What the audit keeps of a year: its days sorted, so re-importing the same notice is a no-op. */
function yearData(y: OfficialYear) {
  return {
    year: y.year,
    holidays: [...y.holidays].sort(),
    workdays: [...y.workdays].sort(),
    source: y.source,
  }
}

/**
 * Puts a year's official arrangement in force, replacing its estimate or chinese-days' data
 * (and an earlier import) in one audited step; every process has it within the reload interval.
 */
export async function importCalendarYear(
  deps: EditDeps,
  agent: Agent,
  y: OfficialYear,
): Promise<EditResult> {
  const problems = officialYearProblems(y)
  if (problems.length) throw new AppError('bad_request', problems.join('; '))
  const at = deps.clock.now()
  const after = yearData(y)
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const found = await findCalendarYear(trx, y.year, { forUpdate: true })
    const before = found && yearData(found)
    if (before && JSON.stringify(before) === JSON.stringify(after)) {
      return { action: 'unchanged' as const }
    }
    await putCalendarYear(trx, { ...after, by: agent.id, at })
    const action = before ? ('updated' as const) : ('created' as const)
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'calendar_year',
      entityKey: String(y.year),
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

/** The year goes back to chinese-days' data if it has the year, else to the estimate. */
export async function removeCalendarYear(deps: EditDeps, agent: Agent, year: number) {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    await lockSettings(trx)
    const found = await findCalendarYear(trx, year, { forUpdate: true })
    if (!found || !(await deleteCalendarYear(trx, year))) {
      throw new NotFoundError('imported calendar year', String(year))
    }
    await appendAdminEvent(trx, {
      actorAgentId: agent.id,
      entity: 'calendar_year',
      entityKey: String(year),
      action: 'deleted',
      before: yearData(found),
      after: null,
      at,
    })
  })
  await reloadSettings(deps)
}
