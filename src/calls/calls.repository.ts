import { type Selectable, sql } from 'kysely'

import { compiledOnce } from '../db/compiled-query.ts'
import type { Db } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import type { CallsTable, QueueState } from '../db/schema.ts'
import type { CallStatus } from '../domain/call-status.ts'
import { statusRank } from '../domain/call-status.ts'
import type { Language } from '../domain/language.ts'

export interface CallRecord {
  callSid: string
  kind: CallsTable['kind']
  caseId: string | null
  callerId: string | null
  hotlineNumber: string | null
  language: Language | null
  status: string
  queueState: QueueState
  priority: number
  preferredAgentId: number | null
  enqueuedAt: Date | null
  answeredByAgentId: number | null
  conferenceName: string | null
  digits: string[]
}

/** The columns a `CallRecord` is read from: what `findCall` and the joined reads select. */
export const CALL_RECORD_COLUMNS = [
  'call_sid',
  'kind',
  'case_id',
  'caller_id',
  'hotline_number',
  'language',
  'status',
  'queue_state',
  'priority',
  'preferred_agent_id',
  'enqueued_at',
  'answered_by_agent_id',
  'conference_name',
  'digits',
] as const satisfies readonly (keyof CallsTable)[]

export type CallRecordRow = Pick<Selectable<CallsTable>, (typeof CALL_RECORD_COLUMNS)[number]>

export function toCallRecord(r: CallRecordRow): CallRecord {
  return {
    callSid: r.call_sid,
    kind: r.kind,
    caseId: r.case_id,
    callerId: r.caller_id,
    hotlineNumber: r.hotline_number,
    language: r.language,
    status: r.status,
    queueState: r.queue_state,
    priority: r.priority,
    preferredAgentId: r.preferred_agent_id,
    enqueuedAt: r.enqueued_at,
    answeredByAgentId: r.answered_by_agent_id,
    conferenceName: r.conference_name,
    digits: r.digits,
  }
}

// Read on most webhooks: built once (compiled-query.ts), with and without the row lock.
const selectCall = compiledOnce<{ callSid: string }, CallRecordRow>((db, p) =>
  db.selectFrom('calls').select(CALL_RECORD_COLUMNS).where('call_sid', '=', p('callSid')),
)
const selectCallForUpdate = compiledOnce<{ callSid: string }, CallRecordRow>((db, p) =>
  db
    .selectFrom('calls')
    .select(CALL_RECORD_COLUMNS)
    .where('call_sid', '=', p('callSid'))
    .forUpdate(),
)

export async function findCall(
  db: Db,
  callSid: string,
  opts: { forUpdate?: boolean } = {},
): Promise<CallRecord | undefined> {
  const q = opts.forUpdate ? selectCallForUpdate : selectCall
  const r = (await q.execute(db, { callSid })).rows[0]
  return r && toCallRecord(r)
}

/** The case a leg belongs to (the caller's call, an agent's or a department's leg), if any. */
export async function findCaseOfCall(
  db: Db,
  callSid: string,
): Promise<{ reference: string; firstOwnerJobNumber: string | null } | undefined> {
  const r = await db
    .selectFrom('calls')
    .innerJoin('cases', 'cases.id', 'calls.case_id')
    .leftJoin('agents', 'agents.id', 'cases.first_owner_id')
    .select(['cases.reference', 'agents.job_number'])
    .where('calls.call_sid', '=', callSid)
    .executeTakeFirst()
  return r && { reference: r.reference, firstOwnerJobNumber: r.job_number }
}

/** Keys pressed are logged in order; `step` keeps a retried webhook from logging twice. */
export async function recordDigits(
  db: Db,
  callSid: string,
  step: string,
  digits: string,
): Promise<void> {
  await db
    .updateTable('calls')
    .set({
      digits: sql`digits || ${JSON.stringify([`${step}:${digits}`])}::jsonb`,
      updated_at: sql`now()`,
    })
    .where('call_sid', '=', callSid)
    .where(sql<boolean>`not digits @> ${JSON.stringify([`${step}:${digits}`])}::jsonb`)
    .execute()
}

/** ivr → waiting, once. False when the call already left the menu (a retried webhook). */
export async function enqueueCall(
  db: Db,
  q: {
    callSid: string
    caseId: string
    priority: number
    preferredAgentId: number | null
    language: Language
    conferenceName: string
    at: Date
  },
): Promise<boolean> {
  const r = await db
    .updateTable('calls')
    .set({
      queue_state: 'waiting',
      case_id: q.caseId,
      priority: q.priority,
      preferred_agent_id: q.preferredAgentId,
      language: q.language,
      conference_name: q.conferenceName,
      enqueued_at: q.at,
      // Only ever once per call (from the menu): a requeue moves enqueued_at, never this.
      first_enqueued_at: q.at,
      updated_at: q.at,
    })
    .where('call_sid', '=', q.callSid)
    .where('queue_state', '=', 'ivr')
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function setCallLanguage(db: Db, callSid: string, language: Language): Promise<void> {
  await db.updateTable('calls').set({ language }).where('call_sid', '=', callSid).execute()
}

/** waiting → connected for exactly one agent, however many press 1 at the same moment. */
export async function claimWaitingCall(
  db: Db,
  callSid: string,
  agentId: number,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('calls')
    .set({
      queue_state: 'connected',
      answered_by_agent_id: agentId,
      answered_at: at,
      // The service level counts the caller's first answer, not one after a requeue.
      first_answered_at: sql<Date>`coalesce(first_answered_at, ${at})`,
      first_answered_by_agent_id: sql<number>`coalesce(first_answered_by_agent_id, ${agentId})`,
      updated_at: at,
    })
    .where('call_sid', '=', callSid)
    .where('queue_state', '=', 'waiting')
    .where('answered_by_agent_id', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function moveQueueState(
  db: Db,
  callSid: string,
  from: readonly QueueState[],
  to: QueueState,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('calls')
    .set({ queue_state: to, updated_at: at })
    .where('call_sid', '=', callSid)
    .where('queue_state', 'in', from)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

/**
 * Records a status callback once (resource + event + SequenceNumber) and moves the call's status
 * only forward. Returns 'duplicate' for a retry, 'stale' for a late callback that arrived after a
 * later one, 'applied' otherwise. The receipt and the move share the caller's transaction.
 */
export async function applyStatusCallback(
  db: Db,
  s: {
    callSid: string
    status: CallStatus
    sequenceNumber: number
    durationSeconds: number | null
    at: Date
  },
): Promise<'applied' | 'duplicate' | 'stale'> {
  const rank = statusRank(s.status)
  const terminal = rank === 4
  // One statement, as every status callback runs it: the receipt (a retry finds it and changes
  // nothing), and the move forward only when the receipt is new and the status is later.
  const r = await sql<{ fresh: boolean; moved: boolean }>`
    with receipt as (
      insert into status_receipts (resource_sid, event, sequence_number)
      values (${s.callSid}, ${`call:${s.status}`}, ${s.sequenceNumber})
      on conflict do nothing
      returning 1
    ), moved as (
      update calls set
        status = ${s.status},
        status_rank = ${rank},
        last_sequence = greatest(last_sequence, ${s.sequenceNumber}),
        ended_at = case when ${terminal} then ${s.at}::timestamptz else ended_at end,
        duration_seconds = case when ${terminal} then ${s.durationSeconds}::int else duration_seconds end,
        updated_at = ${s.at}
      where call_sid = ${s.callSid} and status_rank < ${rank} and exists (select from receipt)
      returning 1
    )
    select exists (select from receipt) as fresh, exists (select from moved) as moved
  `.execute(db)
  const row = r.rows[0]
  if (!row?.fresh) return 'duplicate'
  return row.moved ? 'applied' : 'stale'
}

/** One of Twilio's status callbacks that is not a call's status (conference, recording), as its receipt is keyed. */
export interface Receipt {
  resourceSid: string
  event: string
  sequenceNumber: number
}

// On every conference and recording callback: built once (compiled-query.ts).
const insertReceipt = compiledOnce<Receipt, { resource_sid: string }>((db, p) =>
  db
    .insertInto('status_receipts')
    .values({
      resource_sid: p('resourceSid'),
      event: p('event'),
      sequence_number: p('sequenceNumber'),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('resource_sid'),
)

export async function recordReceipt(db: Db, r: Receipt): Promise<boolean> {
  const { rows } = await insertReceipt.execute(db, r)
  return rows.length > 0
}

/** A receipt taken back: the webhook's work failed after it, and Twilio's retry must redo it. */
export async function forgetReceipt(db: Db, r: Receipt): Promise<void> {
  await db
    .deleteFrom('status_receipts')
    .where('resource_sid', '=', r.resourceSid)
    .where('event', '=', r.event)
    .where('sequence_number', '=', r.sequenceNumber)
    .execute()
}

export async function setConferenceSid(
  db: Db,
  conferenceName: string,
  conferenceSid: string,
): Promise<void> {
  await db
    .updateTable('calls')
    .set({ conference_sid: conferenceSid })
    .where('conference_name', '=', conferenceName)
    .where('kind', '=', literal('caller'))
    .where('conference_sid', 'is', null)
    .execute()
}

/** The caller reached the voicemail prompt: the redirect worked, no need to repeat it. */
export async function markVoicemailReached(db: Db, callSid: string): Promise<void> {
  await db
    .updateTable('calls')
    .set({ ivr_state: sql`ivr_state || '{"voicemailReached": true}'::jsonb` })
    .where('call_sid', '=', callSid)
    .execute()
}

const MAX_VOICEMAIL_REDIRECTS = 5

/**
 * Callers sent to voicemail who, `afterSeconds` later, are still on the line without having
 * reached the prompt: the redirect to Twilio was lost (a crash between commit and request, or a
 * failed request). Claimed by pushing `updated_at`, so each is retried at most once per period.
 */
export async function claimLostVoicemailRedirects(
  db: Db,
  at: Date,
  afterSeconds: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('calls')
    .set({
      updated_at: at,
      ivr_state: sql`jsonb_set(ivr_state, '{voicemailRedirects}',
        to_jsonb(coalesce((ivr_state->>'voicemailRedirects')::int, 0) + 1))`,
    })
    .where('queue_state', '=', literal('voicemail'))
    .where('kind', '=', literal('caller'))
    .where('status_rank', '<', literal(4))
    .where(sql<boolean>`not (ivr_state ? 'voicemailReached')`)
    // A call whose final status callback was lost would otherwise be retried forever.
    .where(
      sql<boolean>`coalesce((ivr_state->>'voicemailRedirects')::int, 0) < ${MAX_VOICEMAIL_REDIRECTS}`,
    )
    .where(
      'updated_at',
      '<',
      sql<Date>`${at}::timestamptz - make_interval(secs => ${afterSeconds})`,
    )
    .returning('call_sid')
    .execute()
  return rows.map((r) => r.call_sid)
}

/**
 * An accepted agent never reached the conference: the caller goes back to waiting. The caller
 * never heard them, so if this was the caller's first answer it is undone for the service level.
 */
export async function returnToQueue(
  db: Db,
  callSid: string,
  agentId: number,
  at: Date,
): Promise<boolean> {
  const undone = sql<boolean>`first_answered_at = answered_at and first_answered_by_agent_id = answered_by_agent_id`
  const r = await db
    .updateTable('calls')
    .set({
      queue_state: 'waiting',
      answered_by_agent_id: null,
      answered_at: null,
      first_answered_at: sql<Date | null>`case when ${undone} then null else first_answered_at end`,
      first_answered_by_agent_id: sql<
        number | null
      >`case when ${undone} then null else first_answered_by_agent_id end`,
      updated_at: at,
    })
    .where('call_sid', '=', callSid)
    .where('queue_state', '=', 'connected')
    .where('answered_by_agent_id', '=', agentId)
    .where('status_rank', '<', 4)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

/** The call ended without its final status callback reaching us (Twilio told us otherwise). */
export async function markCallOver(db: Db, callSid: string, at: Date): Promise<void> {
  await db
    .updateTable('calls')
    .set({ status: 'completed', status_rank: 4, ended_at: at, updated_at: at })
    .where('call_sid', '=', callSid)
    .where('status_rank', '<', 4)
    .execute()
}

/**
 * An outbound leg (an agent being rung, a return call) as a call of its own, once: whichever of
 * Twilio's create answer and its first status callback comes first records it.
 */
export async function recordOutboundLeg(
  db: Db,
  leg: {
    callSid: string
    kind: 'agent_offer' | 'callback' | 'department'
    parentCallSid: string | null
    caseId: string | null
    agentId: number | null
    hotlineNumber: string | null
    language: Language | null
    at: Date
  },
): Promise<void> {
  await db
    .insertInto('calls')
    .values({
      call_sid: leg.callSid,
      direction: 'outbound',
      kind: leg.kind,
      parent_call_sid: leg.parentCallSid,
      case_id: leg.caseId,
      agent_id: leg.agentId,
      hotline_number: leg.hotlineNumber,
      from_number: null,
      to_number: null,
      caller_id: null,
      caller_name: null,
      from_city: null,
      from_state: null,
      from_country: null,
      language: leg.language,
      preferred_agent_id: null,
      enqueued_at: null,
      answered_by_agent_id: null,
      answered_at: null,
      ended_at: null,
      duration_seconds: null,
      conference_name: null,
      conference_sid: null,
      started_at: leg.at,
      created_at: leg.at,
      updated_at: leg.at,
    })
    .onConflict((oc) => oc.column('call_sid').doNothing())
    .execute()
}
