import { flagLongPauses } from '../agents/pauses.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { CallDeps } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { Db } from '../db/database.ts'
import type { WorkingCalendar } from '../domain/calendar/working-calendar.ts'
import { claimBreaches, claimWarnings, unresolvedForAgenda } from './deadlines.repository.ts'

export type EscalationDeps = Pick<CallDeps, 'db' | 'clock' | 'directory' | 'logger' | 'metrics'> & {
  calendar: WorkingCalendar
}

async function caseInfo(db: Db, caseId: string) {
  return db
    .selectFrom('cases')
    .select(['reference', 'first_owner_id', 'hotline_number'])
    .where('id', '=', caseId)
    .executeTakeFirst()
}

/**
 * One pass over the clocks: a step at 80 % of its limit warns the owner; a step past its limit
 * tells the owner and the duty supervisor; a case still open after the end of the working day
 * it arrived on goes on the manager meeting's agenda; an agent's pause past its limit is
 * reported to the duty supervisors. Each is claimed in Postgres first, so several instances
 * sweeping at once report everything exactly once; each about a case is also a case event.
 */
export async function runDeadlineSweep(
  deps: EscalationDeps,
): Promise<{ warned: number; breached: number; agenda: number; pauses: number }> {
  const at = deps.clock.now()
  const warnings = await claimWarnings(deps.db, at)
  for (const w of warnings) {
    // Claimed above, so counted once across every process sweeping.
    deps.metrics.clockWarnings.inc({ step: w.step })
    const c = await caseInfo(deps.db, w.caseId)
    await appendCaseEvent(deps.db, {
      caseId: w.caseId,
      type: 'limit_warning',
      actor: { kind: 'system' },
      at,
      data: { step: w.step, dueAt: w.dueAt.toISOString() },
    })
    if (c?.first_owner_id) {
      await notifyAgent(deps, {
        agentId: c.first_owner_id,
        caseId: w.caseId,
        kind: 'limit_warning',
        body: `Case ${c.reference}: ${w.step} is due at ${w.dueAt.toISOString()}.`,
      })
    }
  }
  const breaches = await claimBreaches(deps.db, at)
  for (const b of breaches) {
    deps.metrics.clockBreaches.inc({ step: b.step })
    const c = await caseInfo(deps.db, b.caseId)
    await appendCaseEvent(deps.db, {
      caseId: b.caseId,
      type: 'limit_breached',
      actor: { kind: 'system' },
      at,
      data: {
        step: b.step,
        dueAt: b.dueAt.toISOString(),
        round: b.round,
        ...(b.departmentId !== null && { departmentId: b.departmentId }),
      },
    })
    const dept = b.departmentId === null ? [] : await departmentContacts(deps.db, b.departmentId)
    const late = dept.length ? ` by ${dept[0]?.department ?? ''}` : ''
    const body = `Case ${c?.reference ?? b.caseId}: the ${b.step} limit was missed${late} (due ${b.dueAt.toISOString()}).`
    const hotline = c?.hotline_number ? await deps.directory.hotline(c.hotline_number) : undefined
    const to = new Set(
      [c?.first_owner_id, hotline?.dutySupervisorId, ...dept.map((d) => d.agentId)].filter(
        (x): x is number => typeof x === 'number',
      ),
    )
    for (const agentId of to)
      await notifyAgent(deps, { agentId, caseId: b.caseId, kind: 'limit_breached', body })
  }
  const agenda = await managerAgenda(deps, at)
  const pauses = await flagLongPauses(deps, at)
  return { warned: warnings.length, breached: breaches.length, agenda, pauses }
}

/**
 * Who answers for a late department: its people who sign in to the console (agents of that
 * department), so the escalation reaches the department itself and not only the hotline.
 */
async function departmentContacts(db: Db, departmentId: number) {
  const rows = await db
    .selectFrom('departments as d')
    .leftJoin('agents as a', (j) =>
      j.onRef('a.department_id', '=', 'd.id').on('a.active', '=', true),
    )
    .select(['d.code as department', 'a.id as agentId'])
    .where('d.id', '=', departmentId)
    .execute()
  return rows
}

/** 当日无法解决的信息，提交经理会议: still open after the end of the working day it arrived on. */
async function managerAgenda(deps: EscalationDeps, at: Date): Promise<number> {
  const candidates = await unresolvedForAgenda(deps.db, at)
  const due = candidates.filter(
    (c) => deps.calendar.endOfWorkingDay(c.created_at).getTime() <= at.getTime(),
  )
  if (due.length === 0) return 0
  const managers = await deps.db
    .selectFrom('agents')
    .select('id')
    .where('role', '=', 'manager')
    .execute()
  for (const c of due) {
    await appendCaseEvent(deps.db, {
      caseId: c.id,
      type: 'manager_agenda',
      actor: { kind: 'system' },
      at,
      data: { reason: 'not solved the same working day' },
    })
    for (const m of managers) {
      await notifyAgent(deps, {
        agentId: m.id,
        caseId: c.id,
        kind: 'manager_agenda',
        body: `Case ${c.reference} is on the manager meeting's agenda: not solved the same working day.`,
      })
    }
  }
  return due.length
}
