import { sql } from 'kysely'

import { endDueWrapUps } from '../agents/wrap-up.ts'
import type { Clock } from '../calls/deps.ts'
import { findOpenCasesOfCaller } from '../cases/cases.repository.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import { calendarWarnings } from '../domain/calendar/calendar-warnings.ts'
import type { WorkingCalendar } from '../domain/calendar/working-calendar.ts'
import { isPauseOverLimit } from '../domain/pause.ts'
import { listWaitingEscalations } from '../escalations/escalations.repository.ts'
import { todayServiceLevel } from './board-service-level.ts'

/** Read models for the console's live screens: the supervisor's board and the agent's phone. */

export async function supervisorBoard(deps: {
  db: Db
  clock: Clock
  calendar: Pick<WorkingCalendar, 'yearSource' | 'timeZone'>
  config: Pick<Config, 'timeZone' | 'serviceLevel'>
}) {
  const now = deps.clock.now()
  // Wrap-ups over by now show as available, not as "busy" until the dispatcher's next beat.
  await endDueWrapUps(deps.db, now)
  const [calls, agents, breaches, agenda, today] = await Promise.all([
    deps.db
      .selectFrom('calls as c')
      .leftJoin('cases as k', 'k.id', 'c.case_id')
      .leftJoin('categories as g', 'g.id', 'k.category_id')
      .leftJoin('agents as a', 'a.id', 'c.answered_by_agent_id')
      .select([
        'c.call_sid',
        'c.queue_state',
        'c.priority',
        'c.enqueued_at',
        'c.answered_at',
        'c.started_at',
        'k.reference',
        'g.code as category',
        'a.job_number as agent',
      ])
      .where('c.kind', '=', 'caller')
      .where('c.queue_state', 'in', ['ivr', 'waiting', 'connected'])
      .where('c.status_rank', '<', 4)
      .orderBy('c.priority', 'desc')
      .orderBy('c.enqueued_at')
      .limit(200)
      .execute(),
    deps.db
      .selectFrom('agents')
      .select([
        'id',
        'job_number',
        'name',
        'role',
        'presence',
        'presence_changed_at',
        'pause_reason',
        'wrap_up_until',
      ])
      .orderBy('job_number')
      .execute(),
    deps.db
      .selectFrom('case_deadlines as d')
      .innerJoin('cases as k', 'k.id', 'd.case_id')
      .leftJoin('agents as o', 'o.id', 'k.first_owner_id')
      .select(['k.reference', 'd.step', 'd.due_at', 'd.breached_at', 'o.job_number as owner'])
      .where('d.outcome', '=', 'open')
      .where((eb) =>
        eb.or([eb('d.breached_at', 'is not', null), eb('d.warned_at', 'is not', null)]),
      )
      .orderBy('d.due_at')
      .limit(100)
      .execute(),
    deps.db
      .selectFrom('case_events as e')
      .innerJoin('cases as k', 'k.id', 'e.case_id')
      .select(['k.reference', 'k.status', 'e.occurred_at'])
      // A literal: the agenda's index is partial on this type (src/db/literals.ts).
      .where('e.type', '=', literal('manager_agenda'))
      .where('k.status', 'not in', ['closed', 'referred_external', 'declined'])
      .where('e.occurred_at', '>', sql<Date>`${now}::timestamptz - interval '7 days'`)
      .orderBy('e.occurred_at', 'desc')
      .limit(100)
      .execute(),
    todayServiceLevel(deps),
  ])
  const seconds = (from: Date | null) =>
    from ? Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000)) : null
  return {
    at: now,
    calls: calls.map((c) => ({
      callSid: c.call_sid,
      state: c.queue_state,
      emergency: c.priority > 0,
      reference: c.reference,
      category: c.category,
      agent: c.agent,
      waitingSeconds: c.queue_state === 'waiting' ? seconds(c.enqueued_at) : null,
      talkingSeconds: c.queue_state === 'connected' ? seconds(c.answered_at) : null,
    })),
    queue: {
      waiting: calls.filter((c) => c.queue_state === 'waiting').length,
      connected: calls.filter((c) => c.queue_state === 'connected').length,
      inMenu: calls.filter((c) => c.queue_state === 'ivr').length,
    },
    // Service level since local midnight (15秒接通率), as the rates page counts it.
    today,
    agents: agents.map((a) => ({
      jobNumber: a.job_number,
      name: a.name,
      role: a.role,
      presence: a.presence,
      since: a.presence_changed_at,
      pauseReason: a.pause_reason,
      // Set while in after-call work (话后整理): presence is 'busy' until then.
      wrapUpUntil: a.presence === 'busy' ? a.wrap_up_until : null,
      pausedTooLong: isPauseOverLimit(
        {
          role: a.role,
          presence: a.presence,
          pauseReason: a.pause_reason,
          presenceChangedAt: a.presence_changed_at,
        },
        now,
      ),
    })),
    escalations: breaches.map((b) => ({
      reference: b.reference,
      step: b.step,
      dueAt: b.due_at,
      breached: b.breached_at !== null,
      owner: b.owner,
    })),
    agenda: agenda.map((a) => ({ reference: a.reference, status: a.status, since: a.occurred_at })),
    // Questions put to the supervisor (POST /api/cases/:ref/escalations) still unanswered.
    supervisorQuestions: await listWaitingEscalations(deps.db),
    // The same as /readyz says: a year whose holidays are only estimated.
    calendarWarnings: calendarWarnings(deps.calendar, now, deps.calendar.timeZone),
  }
}

/**
 * The agent's phone as the console shows it: who is ringing them (the screen pop: number, name,
 * place, open cases) and the call they are on.
 */
export async function myCalls(deps: { db: Db }, agentId: number) {
  const offers = await deps.db
    .selectFrom('agent_offers as o')
    .innerJoin('calls as c', 'c.call_sid', 'o.call_sid')
    .leftJoin('cases as k', 'k.id', 'c.case_id')
    .leftJoin('categories as g', 'g.id', 'k.category_id')
    .select([
      'o.id',
      'o.status',
      'o.leg_call_sid',
      'c.call_sid',
      'c.from_number',
      'c.caller_name',
      'c.from_city',
      'c.caller_id',
      'c.queue_state',
      'c.priority',
      'k.reference',
      'k.place',
      'g.name_zh',
      'g.name_en',
    ])
    .where('o.agent_id', '=', agentId)
    .where((eb) =>
      eb.or([
        eb('o.status', 'in', ['dialing', 'ringing', 'answered']),
        eb.and([eb('o.status', '=', 'accepted'), eb('c.queue_state', '=', 'connected')]),
      ]),
    )
    .orderBy('o.created_at', 'desc')
    .limit(10)
    .execute()
  return Promise.all(
    offers.map(async (o) => {
      const open = o.caller_id ? await findOpenCasesOfCaller(deps.db, o.caller_id) : []
      return {
        offerId: o.id,
        state: o.status === 'accepted' ? ('connected' as const) : ('ringing' as const),
        callSid: o.call_sid,
        legCallSid: o.leg_call_sid,
        emergency: o.priority > 0,
        caller: { number: o.from_number, name: o.caller_name, city: o.from_city },
        reference: o.reference,
        category: { zh: o.name_zh, en: o.name_en },
        place: o.place,
        openCases: open
          .filter((c) => c.reference !== o.reference)
          .map((c) => ({ reference: c.reference, status: c.status, place: c.place })),
      }
    }),
  )
}

/** Every case I first-own that is still open, nearest deadline first, overdue ones marked. */
export async function myCasesByDeadline(deps: { db: Db; clock: Clock }, agentId: number) {
  const now = deps.clock.now()
  const rows = await deps.db
    .selectFrom('cases as k')
    .leftJoin('categories as g', 'g.id', 'k.category_id')
    .leftJoin('departments as d', 'd.id', 'k.assignee_department_id')
    .select((eb) => [
      'k.reference',
      'k.status',
      'k.place',
      'k.content',
      'k.urgency',
      'k.created_at',
      'g.code as category',
      'd.code as department',
      'k.assignee_due_at',
      eb
        .selectFrom('case_deadlines as x')
        .select((x) => x.fn.min('x.due_at').as('due'))
        .whereRef('x.case_id', '=', 'k.id')
        .where('x.outcome', '=', 'open')
        .as('next_due_at'),
    ])
    .where('k.first_owner_id', '=', agentId)
    .where('k.status', 'in', [
      'open',
      'in_progress',
      'transferred',
      'resolved',
      'awaiting_confirmation',
    ])
    .execute()
  const cases = rows.map((r) => ({
    reference: r.reference,
    status: r.status,
    place: r.place,
    content: r.content,
    urgency: r.urgency,
    createdAt: r.created_at,
    category: r.category,
    department: r.department,
    departmentDueAt: r.assignee_due_at,
    nextDueAt: r.next_due_at,
    overdue: r.next_due_at !== null && r.next_due_at.getTime() < now.getTime(),
  }))
  // No deadline at all sorts last: nothing is pressing about it.
  const key = (c: (typeof cases)[number]) => c.nextDueAt?.getTime() ?? Number.MAX_SAFE_INTEGER
  return cases.sort((a, b) => key(a) - key(b))
}
