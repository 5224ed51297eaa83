import { type Selectable, sql } from 'kysely'

import { compiledOnce } from '../db/compiled-query.ts'
import type { Db } from '../db/database.ts'
import { literalList } from '../db/literals.ts'
import type { AgentOffersTable, OfferStatus } from '../db/schema.ts'
import {
  CALL_RECORD_COLUMNS,
  type CallRecord,
  type CallRecordRow,
  toCallRecord,
} from './calls.repository.ts'

export const LIVE_OFFER_STATUSES = ['dialing', 'ringing', 'answered'] as const

/**
 * The same statuses written into the SQL, not sent as values: the index of live offers is
 * partial (`where status in ('dialing', 'ringing', 'answered')`), and a prepared statement's
 * generic plan can use it only when the statement's own text implies that predicate. With the
 * statuses as parameters, finding the free agents scanned every offer ever made (76 ms on 60,000
 * offers, against 0.9 ms). See `literal` in src/db/literals.ts.
 */
export const LIVE_OFFER_STATUS_LITERALS = literalList(LIVE_OFFER_STATUSES)

export interface Offer {
  id: string
  callSid: string
  caseId: string | null
  agentId: number
  legCallSid: string | null
  wave: number
  status: OfferStatus
}

function toOffer(r: {
  id: string
  call_sid: string
  case_id: string | null
  agent_id: number
  leg_call_sid: string | null
  wave: number
  status: OfferStatus
}): Offer {
  return {
    id: r.id,
    callSid: r.call_sid,
    caseId: r.case_id,
    agentId: r.agent_id,
    legCallSid: r.leg_call_sid,
    wave: r.wave,
    status: r.status,
  }
}

/** The pass's new offers in one statement (a wave of many agents is one round trip). */
export async function insertOffers(
  db: Db,
  offers: readonly {
    id: string
    callSid: string
    caseId: string | null
    agentId: number
    wave: number
    at: Date
  }[],
): Promise<void> {
  if (!offers.length) return
  await db
    .insertInto('agent_offers')
    .values(
      offers.map((o) => ({
        id: o.id,
        call_sid: o.callSid,
        case_id: o.caseId,
        agent_id: o.agentId,
        wave: o.wave,
        leg_call_sid: null,
        created_at: o.at,
        answered_at: null,
        ended_at: null,
      })),
    )
    .execute()
}

export async function findOffer(db: Db, id: string): Promise<Offer | undefined> {
  const r = await db.selectFrom('agent_offers').selectAll().where('id', '=', id).executeTakeFirst()
  return r && toOffer(r)
}

/**
 * An offer with its caller's call, in one round trip: each of an agent's webhooks (the answer,
 * the key at the whisper) starts from both.
 */
export async function findOfferWithCall(
  db: Db,
  id: string,
): Promise<{ offer: Offer; call: CallRecord } | undefined> {
  // Raw SQL: built with the query builder, these 20 columns on each of an agent's webhooks were
  // the largest share of kysely's building and compiling in a web instance's profile.
  const r = await sql<OfferWithCallRow>`
    select ${OFFER_WITH_CALL_COLUMNS}
    from agent_offers o join calls c on c.call_sid = o.call_sid
    where o.id = ${id}
  `.execute(db)
  const row = r.rows[0]
  if (!row) return undefined
  return {
    call: toCallRecord(row),
    offer: {
      id: row.offer_id,
      callSid: row.call_sid,
      caseId: row.offer_case_id,
      agentId: row.offer_agent_id,
      legCallSid: row.offer_leg_call_sid,
      wave: row.offer_wave,
      status: row.offer_status,
    },
  }
}

type OfferWithCallRow = CallRecordRow & {
  offer_id: string
  offer_case_id: string | null
  offer_agent_id: number
  offer_leg_call_sid: string | null
  offer_wave: number
  offer_status: OfferStatus
}

const OFFER_WITH_CALL_COLUMNS = sql.raw(
  [
    ...CALL_RECORD_COLUMNS.map((k) => `c.${k}`),
    'o.id as offer_id',
    'o.case_id as offer_case_id',
    'o.agent_id as offer_agent_id',
    'o.leg_call_sid as offer_leg_call_sid',
    'o.wave as offer_wave',
    'o.status as offer_status',
  ].join(', '),
)

/**
 * The agent's leg as its offer's leg and as a call of its own (the parent caller's hotline and
 * language), once, whichever of the dialler and a status callback comes first; with `ringing`,
 * a dialling offer also moves to ringing. One statement: it runs on every one of the leg's
 * status callbacks, the webhook Twilio sends most. Returns the offer as it was before the
 * statement (undefined when there is no such offer): a leg's end needs nothing newer.
 */
export async function recordOfferLeg(
  db: Db,
  offerId: string,
  legCallSid: string,
  at: Date,
  opts: { ringing?: boolean } = {},
): Promise<Offer | undefined> {
  const ringing = opts.ringing === true
  const r = await sql<Selectable<AgentOffersTable>>`
    with leg as (
      update agent_offers set
        leg_call_sid = coalesce(leg_call_sid, ${legCallSid}),
        status = case when ${ringing} and status = 'dialing' then 'ringing' else status end
      where id = ${offerId} and (leg_call_sid is null or (${ringing} and status = 'dialing'))
    ), call as (
      insert into calls (call_sid, direction, kind, parent_call_sid, case_id, agent_id,
        hotline_number, language, started_at, created_at, updated_at)
      select ${legCallSid}::text, 'outbound', 'agent_offer', o.call_sid, o.case_id, o.agent_id,
        p.hotline_number, p.language, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
      from agent_offers o left join calls p on p.call_sid = o.call_sid
      where o.id = ${offerId}
      on conflict (call_sid) do nothing
    )
    -- the offer as it was before this statement (its status and leg may have just moved)
    select * from agent_offers where id = ${offerId}
  `.execute(db)
  const row = r.rows[0]
  return row && toOffer(row)
}

/**
 * The leg's CallSid, learned from Twilio's create response or its first status callback.
 * Returns the offer's status as it stands, in the same round trip: the dialler hangs up a leg
 * whose offer was released while it dialled.
 */
export async function setOfferLeg(
  db: Db,
  id: string,
  legCallSid: string,
): Promise<OfferStatus | undefined> {
  const r = await sql<{ status: OfferStatus }>`
    with leg as (
      update agent_offers set leg_call_sid = ${legCallSid}
      where id = ${id} and leg_call_sid is null
    )
    select status from agent_offers where id = ${id}
  `.execute(db)
  return r.rows[0]?.status
}

/** Moves an offer from one of `from` to `to`; false when it had already moved on. */
export async function moveOffer(
  db: Db,
  id: string,
  from: readonly OfferStatus[],
  to: OfferStatus,
  at: Date,
): Promise<boolean> {
  const ended = !(LIVE_OFFER_STATUSES as readonly string[]).includes(to) && to !== 'accepted'
  const r = await updateOfferStatus.execute(db, {
    id,
    from,
    to,
    answered: to === 'answered',
    ended,
    at,
  })
  return r.numAffectedRows === 1n
}

// On most of an agent's webhooks: built once (compiled-query.ts), so the times it sets and the
// statuses it moves from are values, not shapes.
const updateOfferStatus = compiledOnce<
  {
    id: string
    from: readonly OfferStatus[]
    to: OfferStatus
    answered: boolean
    ended: boolean
    at: Date
  },
  never
>((db, p) =>
  db
    .updateTable('agent_offers')
    .set({
      status: p('to'),
      answered_at: sql<Date>`case when ${p('answered')}::boolean then ${p('at')}::timestamptz else answered_at end`,
      ended_at: sql<Date>`case when ${p('ended')}::boolean then ${p('at')}::timestamptz else ended_at end`,
    })
    .where('id', '=', p('id'))
    .where(sql<boolean>`status = any(${p('from')}::text[])`),
)

export async function listOffersOfCall(db: Db, callSid: string): Promise<Offer[]> {
  const rows = await db
    .selectFrom('agent_offers')
    .selectAll()
    .where('call_sid', '=', callSid)
    .orderBy('created_at')
    .execute()
  return rows.map(toOffer)
}

/**
 * How long an agent listening to the whisper is left alone after a colleague took the call. Agents
 * who press 1 together are decided (and told) by their own webhook; redirecting such a leg at the
 * same moment would reach it after it hung up (Twilio 21220). Those still listening afterwards
 * are released by the pass the winner schedules for then.
 */
export const TAKEN_WHISPER_GRACE_MS = 3000

/**
 * Live offers whose caller is no longer waiting (taken, hung up, sent to voicemail), plus offers
 * stuck past any plausible ring time (a lost callback or a crash between create and record),
 * each moved to its end and returned with the status it had.
 *
 * One statement: the rows are locked only while it runs. Picked and moved one by one inside the
 * dispatcher's transaction, each stayed locked to that transaction's commit, and an agent's leg
 * callback for one of them waited that long (bench:day on a slow machine: the largest group of
 * row-lock waits). Rows another transaction holds are skipped: the next pass takes them.
 */
export async function claimOffersToRelease(
  db: Db,
  opts: { at: Date; staleAfterSeconds: number },
): Promise<ReleasedOffer[]> {
  const { at, staleAfterSeconds } = opts
  const graceFrom = new Date(at.getTime() - TAKEN_WHISPER_GRACE_MS)
  // An agent at the whisper of a call just taken is left to their own key press for the grace
  // (TAKEN_WHISPER_GRACE_MS); a stale offer's caller still waits, and it ends as failed.
  const r = await sql<ReleasedRow>`
    with picked as (
      select o.id, o.status as was,
        case c.queue_state when 'connected' then 'taken' when 'waiting' then 'stale'
          else 'caller_gone' end as reason
      from agent_offers o join calls c on c.call_sid = o.call_sid
      where o.status in ('dialing', 'ringing', 'answered')
        and (c.queue_state <> 'waiting'
          or o.created_at < ${at}::timestamptz - make_interval(secs => ${staleAfterSeconds}))
        and not (c.queue_state = 'connected' and o.status = 'answered'
          and coalesce(c.answered_at > ${graceFrom}::timestamptz, false))
      for update of o skip locked
    )
    update agent_offers o
    set status = case p.reason when 'taken' then 'taken' when 'stale' then 'failed'
          else 'caller_gone' end,
        ended_at = ${at}::timestamptz
    from picked p
    where o.id = p.id and o.status in ('dialing', 'ringing', 'answered')
    returning o.id, o.call_sid, o.case_id, o.agent_id, o.leg_call_sid, o.wave, p.was as status,
      p.reason`.execute(db)
  return r.rows.map((row) => ({ ...toOffer(row), reason: row.reason }))
}

export type ReleasedOffer = Offer & { reason: 'taken' | 'caller_gone' | 'stale' }

type ReleasedRow = Parameters<typeof toOffer>[0] & { reason: ReleasedOffer['reason'] }

/** The accepted agent's leg ended (once): the service level's handle time runs to here. */
export async function markAcceptedOfferEnded(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('agent_offers')
    .set({ ended_at: at })
    .where('id', '=', id)
    .where('status', '=', 'accepted')
    .where('ended_at', 'is', null)
    .execute()
}

export async function offerJoinedAt(db: Db, id: string): Promise<Date | null> {
  const r = await db
    .selectFrom('agent_offers')
    .select('joined_at')
    .where('id', '=', id)
    .executeTakeFirst()
  return r?.joined_at ?? null
}

/**
 * The outcomes of the offers that rang this agent since `since`, newest first, at most `limit`
 * (agent_offers_agent_idx: a few index entries). An offer never placed (Twilio refused to dial
 * it) never rang, so it is left out: it says nothing of the agent.
 */
export async function rungOfferStatusesSince(
  db: Db,
  agentId: number,
  since: Date,
  limit: number,
): Promise<OfferStatus[]> {
  const rows = await db
    .selectFrom('agent_offers')
    .select('status')
    .where('agent_id', '=', agentId)
    .where('created_at', '>=', since)
    .where('leg_call_sid', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => r.status)
}
