import type { Db } from '../db/database.ts'
import type { RecordingParticipant } from './recordings.repository.ts'

/**
 * The case a recording belongs to and who was in it, from what we know of its legs: a
 * conference is the case caller's room (the caller, the agents who joined it, the departments
 * a transfer bridged in); a call is a return call (the caller, and the person rung first) or
 * any other call of a case (softphone calls: the caller and the agent who placed it).
 */
export interface RecordedCall {
  caseId: string | null
  callSid: string | null
  participants: RecordingParticipant[]
}

export async function recordedCall(
  db: Db,
  ref: { callSid: string | null; conferenceSid: string | null },
): Promise<RecordedCall> {
  if (ref.conferenceSid) {
    const found = await conferenceCall(db, ref.conferenceSid)
    if (found) return found
  }
  if (ref.callSid) {
    const found = (await caseCall(db, ref.callSid)) ?? (await returnCall(db, ref.callSid))
    if (found) return found
  }
  return { caseId: null, callSid: ref.callSid, participants: [] }
}

async function conferenceCall(db: Db, conferenceSid: string): Promise<RecordedCall | undefined> {
  const caller = await db
    .selectFrom('calls')
    .select(['call_sid', 'case_id'])
    .where('conference_sid', '=', conferenceSid)
    .where('kind', '=', 'caller')
    .executeTakeFirst()
  if (!caller) return undefined
  const [agents, departments] = await Promise.all([
    db
      .selectFrom('agent_offers as o')
      .innerJoin('agents as a', 'a.id', 'o.agent_id')
      .select('a.job_number')
      .where('o.call_sid', '=', caller.call_sid)
      .where('o.joined_at', 'is not', null)
      .orderBy('o.joined_at')
      .execute(),
    db
      .selectFrom('transfers as t')
      .innerJoin('departments as d', 'd.id', 't.department_id')
      .select(['d.code', 'd.name'])
      .where('t.call_sid', '=', caller.call_sid)
      .where('t.bridged_at', 'is not', null)
      .orderBy('t.bridged_at')
      .execute(),
  ])
  return {
    caseId: caller.case_id,
    callSid: caller.call_sid,
    participants: [
      { kind: 'caller' },
      ...unique(agents.map((a) => a.job_number)).map((jobNumber) => ({
        kind: 'agent' as const,
        jobNumber,
      })),
      ...departments.map((d) => ({ kind: 'department' as const, code: d.code, name: d.name })),
    ],
  }
}

/** A call row of a case (the softphone's outgoing calls are kept as such). */
async function caseCall(db: Db, callSid: string): Promise<RecordedCall | undefined> {
  const c = await db
    .selectFrom('calls as c')
    .leftJoin('agents as a', 'a.id', 'c.agent_id')
    .select(['c.case_id', 'a.job_number'])
    .where('c.call_sid', '=', callSid)
    .where('c.case_id', 'is not', null)
    .executeTakeFirst()
  if (!c) return undefined
  return {
    caseId: c.case_id,
    callSid,
    participants: [
      { kind: 'caller' },
      ...(c.job_number ? [{ kind: 'agent' as const, jobNumber: c.job_number }] : []),
    ],
  }
}

async function returnCall(db: Db, callSid: string): Promise<RecordedCall | undefined> {
  const r = await db
    .selectFrom('callback_attempts as at')
    .innerJoin('callbacks as cb', 'cb.id', 'at.callback_id')
    .innerJoin('cases as k', 'k.id', 'cb.case_id')
    .leftJoin('agents as a', 'a.id', 'k.first_owner_id')
    .leftJoin('departments as d', 'd.id', 'cb.department_id')
    .select(['cb.case_id', 'cb.purpose', 'a.job_number', 'd.code', 'd.name'])
    .where('at.call_sid', '=', callSid)
    .executeTakeFirst()
  if (!r) return undefined
  // A confirmation call is the IVR and the caller; the others ring a person first (person-first).
  const person: RecordingParticipant[] =
    r.purpose === 'confirmation'
      ? []
      : r.code && r.name
        ? [{ kind: 'department', code: r.code, name: r.name }]
        : r.job_number
          ? [{ kind: 'agent', jobNumber: r.job_number }]
          : []
  return { caseId: r.case_id, callSid, participants: [{ kind: 'caller' }, ...person] }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}
