import type { Actor } from '../cases/case-events.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import { type LimitDeps, startStep } from '../deadlines/case-limits.ts'
import type { Department } from '../directory/departments.repository.ts'

/**
 * The department becomes the case's assignee, with the time by which it must name a handler and
 * answer the caller (its own `department_answer` clock, 1 working day by default). The first owner
 * does not change: the database refuses that, and every event still carries their id.
 */
export async function assignToDepartment(
  deps: LimitDeps,
  trx: Db,
  a: {
    kase: Pick<CaseSummary, 'id' | 'categoryCode'>
    department: Pick<Department, 'id' | 'code'>
    actor: Actor
    at: Date
    callSid?: string | null
    data?: Record<string, unknown>
  },
): Promise<Date | null> {
  // Each department has its own clock from its own assignment; the same department assigned
  // again (a callback after a transfer) keeps the clock it has, open or met.
  await startStep(deps, trx, {
    caseId: a.kase.id,
    step: 'department_answer',
    category: a.kase.categoryCode,
    at: a.at,
    departmentId: a.department.id,
  })
  const limit = await trx
    .selectFrom('case_deadlines')
    .select('due_at')
    .where('case_id', '=', a.kase.id)
    .where('step', '=', 'department_answer')
    .where('department_id', '=', a.department.id)
    .orderBy('round', 'desc')
    .executeTakeFirst()
  const dueAt = limit?.due_at ?? null
  await trx
    .updateTable('cases')
    .set((eb) => ({
      assignee_department_id: a.department.id,
      assigned_at: a.at,
      assignee_due_at: dueAt,
      status: eb
        .case()
        .when('status', 'in', ['open', 'in_progress'])
        .then('transferred' as const)
        .else(eb.ref('status'))
        .end(),
      updated_at: a.at,
    }))
    .where('id', '=', a.kase.id)
    .execute()
  await appendCaseEvent(trx, {
    caseId: a.kase.id,
    type: 'assigned_to_department',
    actor: a.actor,
    at: a.at,
    callSid: a.callSid ?? null,
    data: { department: a.department.code, dueAt, ...a.data },
  })
  return dueAt
}
