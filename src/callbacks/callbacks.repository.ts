import type { OnConflictBuilder } from 'kysely'
import { sql } from 'kysely'

import { compiledOnce } from '../db/compiled-query.ts'
import type { Db } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import type { AttemptOutcome, CallbacksTable, Database } from '../db/schema.ts'

/**
 * ON CONFLICT's arbiter for the partial unique index of open return calls (one per case and
 * purpose). Its predicate is written in literals: with parameters, Postgres can match the index
 * only while it plans each call afresh, and a prepared statement's generic plan (from its sixth
 * call) is refused with "no unique or exclusion constraint matching the ON CONFLICT".
 */
export function openCallbackOf(oc: OnConflictBuilder<Database, 'callbacks'>) {
  return oc
    .columns(['case_id', 'purpose'])
    .where('status', 'in', [sql.lit('pending' as const), sql.lit('dialing' as const)])
}

export type CallbackPurpose = CallbacksTable['purpose']

export interface Callback {
  id: string
  caseId: string
  purpose: CallbackPurpose
  /** Attempts made so far. */
  attempt: number
  dueAt: Date
  status: 'pending' | 'dialing' | 'done' | 'exhausted' | 'cancelled'
  maxAttempts: number
  lastAttemptAt: Date | null
  deadlineAt: Date | null
  createdAt: Date
}

const COLUMNS = [
  'id',
  'case_id',
  'purpose',
  'attempt',
  'due_at',
  'status',
  'max_attempts',
  'last_attempt_at',
  'deadline_at',
  'created_at',
] as const

/** Also for dial-batch.repository.ts, which reads the same columns under a lock. */
export function toCallback(r: {
  id: string
  case_id: string
  purpose: CallbackPurpose
  attempt: number
  due_at: Date
  status: Callback['status']
  max_attempts: number
  last_attempt_at: Date | null
  deadline_at: Date | null
  created_at: Date
}): Callback {
  return {
    id: r.id,
    caseId: r.case_id,
    purpose: r.purpose,
    attempt: r.attempt,
    dueAt: r.due_at,
    status: r.status,
    maxAttempts: r.max_attempts,
    lastAttemptAt: r.last_attempt_at,
    deadlineAt: r.deadline_at,
    createdAt: r.created_at,
  }
}

/** The open callback of this purpose, new or already there (one open per case and purpose). */
export async function openCallback(
  db: Db,
  c: {
    caseId: string
    purpose: CallbackPurpose
    dueAt: Date
    deadlineAt: Date | null
    maxAttempts: number
    at: Date
  },
): Promise<Callback> {
  await db
    .insertInto('callbacks')
    .values({
      case_id: c.caseId,
      purpose: c.purpose,
      due_at: c.dueAt,
      deadline_at: c.deadlineAt,
      max_attempts: c.maxAttempts,
      outcome: null,
      created_at: c.at,
      updated_at: c.at,
    })
    .onConflict((oc) => openCallbackOf(oc).doNothing())
    .execute()
  const row = await db
    .selectFrom('callbacks')
    .select(COLUMNS)
    .where('case_id', '=', c.caseId)
    .where('purpose', '=', c.purpose)
    .where('status', 'in', ['pending', 'dialing'])
    .executeTakeFirstOrThrow()
  return toCallback(row)
}

// On every return call's webhooks: built once (compiled-query.ts).
const selectCallback = compiledOnce<{ id: string }, Parameters<typeof toCallback>[0]>((db, p) =>
  db.selectFrom('callbacks').select(COLUMNS).where('id', '=', p('id')),
)

export async function findCallback(db: Db, id: string): Promise<Callback | undefined> {
  const r = (await selectCallback.execute(db, { id })).rows[0]
  return r && toCallback(r)
}

/** CallSids of attempts Twilio accepted, many at once; a status callback may have been first. */
export async function setAttemptCalls(
  db: Db,
  calls: readonly { callbackId: string; attempt: number; callSid: string }[],
): Promise<void> {
  if (!calls.length) return
  await sql`
    update callback_attempts a set call_sid = v.call_sid
    from unnest(${calls.map((c) => c.callbackId)}::bigint[], ${calls.map((c) => c.attempt)}::int[],
      ${calls.map((c) => c.callSid)}::text[]) as v(callback_id, attempt, call_sid)
    where a.callback_id = v.callback_id and a.attempt = v.attempt and a.call_sid is null
  `.execute(db)
}

export async function setAttemptCall(
  db: Db,
  id: string,
  attempt: number,
  callSid: string,
): Promise<void> {
  await db
    .updateTable('callback_attempts')
    .set({ call_sid: callSid })
    .where('callback_id', '=', id)
    .where('attempt', '=', attempt)
    .where('call_sid', 'is', null)
    .execute()
}

/** The first outcome of an attempt wins: a late status callback never overwrites the caller's key. */
export async function settleAttempt(
  db: Db,
  id: string,
  attempt: number,
  outcome: AttemptOutcome,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('callback_attempts')
    .set({ outcome, ended_at: at })
    .where('callback_id', '=', id)
    .where('attempt', '=', attempt)
    .where('outcome', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function markAttemptAnswered(
  db: Db,
  id: string,
  attempt: number,
  at: Date,
): Promise<void> {
  await db
    .updateTable('callback_attempts')
    .set({ answered_at: at })
    .where('callback_id', '=', id)
    .where('attempt', '=', attempt)
    .where('answered_at', 'is', null)
    .execute()
}

export async function setAttemptRating(
  db: Db,
  id: string,
  attempt: number,
  rating: number,
): Promise<void> {
  await db
    .updateTable('callback_attempts')
    .set({ rating })
    .where('callback_id', '=', id)
    .where('attempt', '=', attempt)
    .execute()
}

/** dialing → pending again, due at `dueAt` (the next attempt). */
export async function reschedule(db: Db, id: string, dueAt: Date, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('callbacks')
    .set({ status: 'pending', due_at: dueAt, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'dialing')
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function finishCallback(
  db: Db,
  id: string,
  status: 'done' | 'exhausted' | 'cancelled',
  outcome: string,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('callbacks')
    .set({ status, outcome, updated_at: at })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'dialing'])
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

/** Everything that should have a job in the queue: the reconciler's list. */
export async function listPending(
  db: Db,
  purposes: readonly CallbackPurpose[],
): Promise<Callback[]> {
  const rows = await db
    .selectFrom('callbacks')
    .select(COLUMNS)
    .where('status', '=', literal('pending'))
    .where('purpose', 'in', purposes)
    .orderBy('due_at')
    .execute()
  return rows.map(toCallback)
}

/**
 * Claimed for dialling but, `afterSeconds` later, no call was ever recorded: the worker died
 * between the claim and the request. Back to pending (the attempt counts as failed).
 */
export async function releaseStaleDialing(
  db: Db,
  at: Date,
  afterSeconds: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('callbacks')
    .set({ status: 'pending', due_at: at, updated_at: at })
    .where('status', '=', 'dialing')
    .where(
      'last_attempt_at',
      '<',
      sql<Date>`${at}::timestamptz - make_interval(secs => ${afterSeconds})`,
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('callback_attempts as a')
            .select('a.id')
            .whereRef('a.callback_id', '=', 'callbacks.id')
            .whereRef('a.attempt', '=', 'callbacks.attempt')
            .where('a.call_sid', 'is not', null),
        ),
      ),
    )
    .returning('id')
    .execute()
  for (const r of rows) {
    await db
      .updateTable('callback_attempts')
      .set({ outcome: 'failed', ended_at: at })
      .where('callback_id', '=', r.id)
      .where('outcome', 'is', null)
      .execute()
  }
  return rows.map((r) => r.id)
}
