import type { Db } from '../db/database.ts'

/**
 * Who is in a conference now, from Twilio's participant-join/leave callbacks. Twilio may deliver
 * them out of order: a leave recorded before its join still counts as left.
 */

export async function recordLeave(db: Db, conferenceSid: string, callSid: string, at: Date) {
  await db
    .insertInto('conference_presence')
    .values({ conference_sid: conferenceSid, call_sid: callSid, joined_at: null, left_at: at })
    .onConflict((oc) =>
      oc.columns(['conference_sid', 'call_sid']).doUpdateSet((eb) => ({
        left_at: eb.fn.coalesce('conference_presence.left_at', 'excluded.left_at'),
      })),
    )
    .execute()
}

export async function presentIn(db: Db, conferenceSid: string): Promise<string[]> {
  const rows = await db
    .selectFrom('conference_presence')
    .select('call_sid')
    .where('conference_sid', '=', conferenceSid)
    .where('joined_at', 'is not', null)
    .where('left_at', 'is', null)
    .execute()
  return rows.map((r) => r.call_sid)
}

export async function isPresent(db: Db, conferenceSid: string, callSid: string) {
  return (await presentIn(db, conferenceSid)).includes(callSid)
}
