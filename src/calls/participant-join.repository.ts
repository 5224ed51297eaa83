import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

/**
 * A leg joined a conference, recorded once per Twilio event: the receipt; the agent's offer
 * joined (an accepted agent is only really connected once their leg is in the room); the
 * caller's call names its conference (so the caller can be spoken to before it starts); the
 * leg's presence. One statement, so all of it or none happens, in one round trip instead of
 * four. False for a retry (the receipt was there): nothing changes.
 */
export async function recordParticipantJoin(
  db: Db,
  j: {
    conferenceSid: string
    conferenceName: string
    callSid: string
    sequenceNumber: number
    at: Date
  },
): Promise<boolean> {
  const r = await sql<{ fresh: boolean }>`
    with receipt as (
      insert into status_receipts (resource_sid, event, sequence_number)
      values (${j.conferenceSid}, ${conferenceEvent('participant-join', j.callSid)}, ${j.sequenceNumber})
      on conflict do nothing
      returning 1
    ), offer as (
      update agent_offers set joined_at = ${j.at}::timestamptz
      where leg_call_sid = ${j.callSid} and joined_at is null and exists (select from receipt)
    ), caller as (
      update calls set conference_sid = ${j.conferenceSid}
      where call_sid = ${j.callSid} and conference_name = ${j.conferenceName}
        and kind = 'caller' and conference_sid is null and exists (select from receipt)
    ), presence as (
      insert into conference_presence (conference_sid, call_sid, joined_at, left_at)
      select ${j.conferenceSid}, ${j.callSid}, ${j.at}::timestamptz, null
      where exists (select from receipt)
      on conflict (conference_sid, call_sid) do update
        set joined_at = coalesce(conference_presence.joined_at, excluded.joined_at)
    )
    select exists (select from receipt) as fresh
  `.execute(db)
  return r.rows[0]?.fresh === true
}

/** A conference callback's receipt event: one per conference event and leg. */
export function conferenceEvent(event: string, callSid: string | undefined): string {
  return `conference:${event}:${callSid ?? ''}`
}
