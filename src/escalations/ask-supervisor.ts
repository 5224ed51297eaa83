import { randomUUID } from 'node:crypto'

import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import { caseToWorkOn, onBehalfData } from '../cases/update-case.ts'
import type { Db } from '../db/database.ts'
import { completeDeadlineById } from '../deadlines/deadlines.repository.ts'
import { findPolicy, limitWindow } from '../domain/time-limits.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { Escalation } from './escalations.repository.ts'
import { findEscalation } from './escalations.repository.ts'

type Deps = Pick<
  CallbackDeps,
  'db' | 'clock' | 'directory' | 'calendar' | 'limitSettings' | 'logger'
>

// The sources' own figure, for a deployment whose administrators removed the policy.
const SOURCES_ANSWER_MINUTES = 5

/**
 * "Can't handle it: ask the supervisor" (the sources): the hotline's duty supervisor is told at
 * once and a supervisor_answer clock starts (5 minutes by the seeded policy). The question is on
 * the case's timeline; an ended case takes no questions.
 */
export async function askSupervisor(
  deps: Deps,
  agent: Agent,
  reference: string,
  question: string,
): Promise<{ id: string; dueAt: Date; supervisor: string | null }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'an escalation')
  const at = deps.clock.now()
  const policy = findPolicy(deps.limitSettings.policies(), 'supervisor_answer', kase.categoryCode)
  const w = policy
    ? limitWindow(policy, at, deps.calendar)
    : { dueAt: new Date(at.getTime() + SOURCES_ANSWER_MINUTES * 60_000), warnAt: at }
  const hotline = kase.hotlineNumber ? await deps.directory.hotline(kase.hotlineNumber) : undefined
  const id = randomUUID()
  const supervisor = await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'an escalation')
    // Each question is a clock of its own, numbered as the case's rounds of this step are.
    const asked = await trx
      .selectFrom('case_deadlines')
      .select((eb) => eb.fn.max('round').as('last'))
      .where('case_id', '=', kase.id)
      .where('step', '=', 'supervisor_answer')
      .executeTakeFirst()
    const deadline = await trx
      .insertInto('case_deadlines')
      .values({
        case_id: kase.id,
        step: 'supervisor_answer',
        started_at: at,
        due_at: w.dueAt,
        warn_at: w.warnAt,
        warned_at: null,
        breached_at: null,
        done_at: null,
        extended_by: null,
        extension_reason: null,
        round: (asked?.last ?? 0) + 1,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst()
    const recipients = await supervisorsToTell(trx, hotline?.dutySupervisorId, agent.id)
    await trx
      .insertInto('escalations')
      .values({
        id,
        case_id: kase.id,
        question,
        asked_by: agent.id,
        asked_at: at,
        due_at: w.dueAt,
        supervisor_id: recipients.duty?.id ?? null,
        deadline_id: deadline?.id ?? null,
        answer: null,
        answered_by: null,
        answered_at: null,
        manager_notified_at: null,
      })
      .execute()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'escalation_asked',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: onBehalfData(agent, kase, {
        escalationId: id,
        question,
        dueAt: w.dueAt.toISOString(),
        supervisor: recipients.duty?.job_number ?? null,
      }),
    })
    const body =
      `Case ${reference}: agent ${agent.jobNumber} asks: ${question} ` +
      `Answer by ${w.dueAt.toISOString()} (POST /api/escalations/${id}/answer).`
    for (const s of recipients.all) {
      await notifyAgent(
        { db: trx, clock: deps.clock },
        { agentId: s.id, caseId: kase.id, kind: 'escalation_asked', body },
      )
    }
    return recipients.duty?.job_number ?? null
  })
  return { id, dueAt: w.dueAt, supervisor }
}

/** The duty supervisor; when there is none (or they asked), every other active supervisor. */
async function supervisorsToTell(trx: Db, dutyId: number | undefined, askerId: number) {
  const supervisors = await trx
    .selectFrom('agents')
    .select(['id', 'job_number'])
    .where('role', '=', 'supervisor')
    .where('active', '=', true)
    .where('id', '!=', askerId)
    .orderBy('job_number')
    .execute()
  const duty = supervisors.find((s) => s.id === dutyId)
  return { duty, all: duty ? [duty] : supervisors }
}

/**
 * A supervisor's answer (someone other than who asked). It stops the clock, goes on the
 * timeline, and the first owner (and the asker, when someone else) is notified. An answer comes
 * once; one given after the case ended is still recorded, as the record of what was said.
 */
export async function answerEscalation(
  deps: Pick<CallbackDeps, 'db' | 'clock'>,
  supervisor: Agent,
  id: string,
  answer: string,
): Promise<Escalation> {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const e = await trx
      .selectFrom('escalations as e')
      .innerJoin('cases as k', 'k.id', 'e.case_id')
      .select(['e.case_id', 'e.asked_by', 'e.answered_at', 'e.due_at', 'e.deadline_id'])
      .select(['k.reference', 'k.first_owner_id'])
      .where('e.id', '=', id)
      .forUpdate()
      .executeTakeFirst()
    if (!e) throw new NotFoundError('escalation', id)
    if (e.answered_at) throw new AppError('conflict', `escalation ${id} is already answered`)
    if (e.asked_by === supervisor.id) {
      throw new AppError('forbidden', 'a question is answered by someone other than who asked it')
    }
    await trx
      .updateTable('escalations')
      .set({ answer, answered_by: supervisor.id, answered_at: at })
      .where('id', '=', id)
      .execute()
    if (e.deadline_id) await completeDeadlineById(trx, e.deadline_id, at)
    await appendCaseEvent(trx, {
      caseId: e.case_id,
      type: 'escalation_answered',
      actor: { kind: 'agent', agentId: supervisor.id },
      at,
      data: { escalationId: id, answer, late: at.getTime() > e.due_at.getTime() },
    })
    const body = `Case ${e.reference}: supervisor ${supervisor.jobNumber} answers: ${answer}`
    const owners = new Set([e.first_owner_id, e.asked_by].filter((x) => x !== null))
    for (const agentId of owners) {
      await notifyAgent(
        { db: trx, clock: deps.clock },
        { agentId, caseId: e.case_id, kind: 'escalation_answered', body },
      )
    }
  })
  const saved = await findEscalation(deps.db, id)
  if (!saved) throw new NotFoundError('escalation', id)
  return saved
}
