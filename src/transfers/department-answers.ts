import type { Agent } from '../agents/agents.repository.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { CallDeps } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import { finishStep } from '../deadlines/case-limits.ts'
import { findDepartment } from '../directory/departments.repository.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'
import { AppError, NotFoundError } from '../errors.ts'

export interface DepartmentAnswerInput {
  department: string
  handler: string
  answer: string
  promisedBy?: string | undefined
}

export interface DepartmentAnswer {
  id: string
  department: string
  handler: string
  answer: string
  promisedBy: Date | null
  recordedBy: string
  recordedAt: Date
}

// Who may speak for the department: the supervising roles, as everywhere else on a case.
const ON_BEHALF_ROLES: readonly Agent['role'][] = ['supervisor', 'manager', 'admin']

/**
 * The department names its handler and answers (#15 一个工作日内将结果答复客人): recorded by a
 * person of that department, the first owner, or a supervisor on its behalf. It meets that
 * department's own clock (late answers count as missed), goes on the timeline, and the owner
 * is told. Only a department the case was assigned to can answer, and only while it is open.
 */
export async function recordDepartmentAnswer(
  deps: Pick<CallDeps, 'db' | 'clock'>,
  agent: Agent,
  reference: string,
  input: DepartmentAnswerInput,
): Promise<DepartmentAnswer> {
  const kase = await findCaseByReference(deps.db, reference)
  if (!kase) throw new NotFoundError('case', reference)
  const dept = await findDepartment(deps.db, { code: input.department })
  if (!dept) throw new NotFoundError('department', input.department)
  const mayAnswer =
    agent.departmentId === dept.id ||
    kase.firstOwnerId === agent.id ||
    ON_BEHALF_ROLES.includes(agent.role)
  if (!mayAnswer) {
    throw new AppError(
      'forbidden',
      `agent ${agent.jobNumber} may not answer for ${dept.code}: a person of that department, the first owner or a supervisor may`,
    )
  }
  if (!(OPEN_CASE_STATUSES as readonly string[]).includes(kase.status)) {
    throw new AppError('invalid_state', `case ${reference} is ${kase.status}; nothing to answer`)
  }
  const at = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const assigned = await trx
      .selectFrom('case_deadlines')
      .select('id')
      .where('case_id', '=', kase.id)
      .where('step', '=', 'department_answer')
      .where('department_id', '=', dept.id)
      .executeTakeFirst()
    if (!assigned) {
      throw new AppError(
        'invalid_state',
        `case ${reference} was never assigned to ${dept.code}; transfer it or hand it over first`,
      )
    }
    const row = await trx
      .insertInto('department_answers')
      .values({
        case_id: kase.id,
        department_id: dept.id,
        handler: input.handler,
        answer: input.answer,
        promised_by: input.promisedBy ?? null,
        recorded_by: agent.id,
        recorded_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await finishStep(trx, kase.id, 'department_answer', at, dept.id)
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'department_answered',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: {
        department: dept.code,
        handler: input.handler,
        text: input.answer,
        promisedBy: input.promisedBy ?? null,
      },
    })
    if (kase.firstOwnerId !== null && kase.firstOwnerId !== agent.id) {
      await notifyAgent(
        { db: trx, clock: deps.clock },
        {
          agentId: kase.firstOwnerId,
          caseId: kase.id,
          kind: 'department_answered',
          body: `Case ${reference}: ${dept.name} answered (handler ${input.handler}): ${input.answer}`,
        },
      )
    }
    const [answer] = await listDepartmentAnswers(trx, kase.id, row.id)
    if (!answer) throw new Error(`department answer ${row.id} vanished in its own transaction`)
    return answer
  })
}

/** A case's department answers, oldest first (GET /api/cases/:ref `departmentAnswers`). */
export async function listDepartmentAnswers(
  db: Db,
  caseId: string,
  id?: string,
): Promise<DepartmentAnswer[]> {
  let q = db
    .selectFrom('department_answers as a')
    .innerJoin('departments as d', 'd.id', 'a.department_id')
    .innerJoin('agents as g', 'g.id', 'a.recorded_by')
    .select([
      'a.id',
      'd.code',
      'a.handler',
      'a.answer',
      'a.promised_by',
      'g.job_number',
      'a.recorded_at',
    ])
    .where('a.case_id', '=', caseId)
  if (id !== undefined) q = q.where('a.id', '=', id)
  const rows = await q.orderBy('a.recorded_at').orderBy('a.id').execute()
  return rows.map((r) => ({
    id: r.id,
    department: r.code,
    handler: r.handler,
    answer: r.answer,
    promisedBy: r.promised_by,
    recordedBy: r.job_number,
    recordedAt: r.recorded_at,
  }))
}
