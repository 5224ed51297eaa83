import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { literalList } from '../db/literals.ts'
import { isWithheldNumber } from '../domain/caller-number.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'
import type { Language } from '../domain/language.ts'

export interface InboundRecord {
  callSid: string
  hotlineNumber: string
  fromNumber: string
  callerName: string | null
  fromCity: string | null
  fromState: string | null
  fromCountry: string | null
  language: Language
  at: Date
}

export interface InboundRecorded {
  /** Null for a withheld number: such callers are not one person and have no case history. */
  callerId: string | null
  openCases: { reference: string; ownerJobNumber: string | null }[]
}

/**
 * Records the first webhook of each call: upsert the caller (Twilio's name and location fill
 * gaps, never erase), record the leg once (a retry changes nothing), read the caller's open
 * cases. Calls arriving while a write is in flight are written together in the next statement:
 * one plan and one durable commit for the group instead of one each. That is what lets a small
 * Postgres keep up with a burst of calls; an idle hotline pays no added wait.
 */
export function createInboundRecorder(
  db: Db,
  opts: { maxBatch?: number; maxInFlight?: number } = {},
) {
  const maxBatch = opts.maxBatch ?? 100
  // One statement in flight at a time: whatever arrives meanwhile waits for it and goes in the
  // next, so the busier the hotline, the bigger the groups. With 2 or 4 in flight the groups
  // stayed small and Postgres spent 90-160 us of CPU per call against 60-80 with one
  // (`bench:webhook`, README). Rows are locked in number order, so statements cannot deadlock.
  const maxInFlight = opts.maxInFlight ?? 1
  let pending: {
    rec: InboundRecord
    resolve: (r: InboundRecorded) => void
    reject: (e: unknown) => void
  }[] = []
  let inFlight = 0
  let scheduled = false

  async function writer(): Promise<void> {
    inFlight++
    try {
      while (pending.length > 0) {
        const batch = pending.slice(0, maxBatch)
        pending = pending.slice(batch.length)
        try {
          const results = await writeBatch(
            db,
            batch.map((b) => b.rec),
          )
          batch.forEach((b, i) => b.resolve(results[i] as InboundRecorded))
        } catch (e) {
          // One bad row must not fail its neighbours: retry each on its own.
          if (batch.length === 1) batch[0]?.reject(e)
          else {
            await Promise.all(
              batch.map((b) =>
                writeBatch(db, [b.rec]).then((r) => b.resolve(r[0] as InboundRecorded), b.reject),
              ),
            )
          }
        }
      }
    } finally {
      inFlight--
    }
  }

  return {
    record(rec: InboundRecord): Promise<InboundRecorded> {
      return new Promise((resolve, reject) => {
        pending.push({ rec, resolve, reject })
        // Gather what arrives in the same turn of the event loop, then start a writer if one
        // is free; busy writers pick the rest up when their statement returns.
        if (!scheduled && inFlight < maxInFlight) {
          scheduled = true
          setImmediate(() => {
            scheduled = false
            if (pending.length > 0 && inFlight < maxInFlight) void writer()
          })
        }
      })
    },
  }
}

export type InboundRecorder = ReturnType<typeof createInboundRecorder>

async function writeBatch(db: Db, recs: InboundRecord[]): Promise<InboundRecorded[]> {
  const col = <K extends keyof InboundRecord>(k: K) => recs.map((r) => r[k])
  const rows = await sql<{
    ord: number
    caller_id: string | null
    reference: string | null
    owner_job_number: string | null
  }>`
    with input as (
      select * from unnest(
        ${col('callSid')}::text[], ${col('hotlineNumber')}::text[], ${col('fromNumber')}::text[],
        ${col('callerName')}::text[], ${col('fromCity')}::text[], ${col('fromState')}::text[],
        ${col('fromCountry')}::text[], ${col('language')}::text[], ${col('at')}::timestamptz[],
        ${recs.map((r) => isWithheldNumber(r.fromNumber))}::boolean[]
      ) with ordinality as t(call_sid, hotline, from_number, caller_name, city, state, country, language, at, withheld, ord)
    ), caller_rows as (
      -- one row per number: ON CONFLICT DO UPDATE may touch a row only once per statement
      select distinct on (from_number) from_number, caller_name, city, state, country, at
      from input where not withheld order by from_number, ord desc
    ), caller as (
      insert into callers (phone_number, name, city, state, country, created_at, updated_at)
      select from_number, caller_name, city, state, country, at, at from caller_rows
      order by from_number -- the same lock order in every statement: no deadlocks between them
      on conflict (phone_number) do update set
        name = coalesce(excluded.name, callers.name),
        city = coalesce(excluded.city, callers.city),
        state = coalesce(excluded.state, callers.state),
        country = coalesce(excluded.country, callers.country),
        updated_at = excluded.updated_at
      returning id, phone_number
    ), leg as (
      insert into calls (call_sid, direction, kind, hotline_number, from_number, to_number, caller_id,
        caller_name, from_city, from_state, from_country, language, started_at, created_at, updated_at)
      select i.call_sid, 'inbound', 'caller', i.hotline, i.from_number, i.hotline, c.id,
        i.caller_name, i.city, i.state, i.country, i.language, i.at, i.at, i.at
      from input i left join caller c on c.phone_number = i.from_number
      order by i.call_sid
      on conflict (call_sid) do nothing
    )
    select i.ord::int as ord, c.id as caller_id, k.reference, a.job_number as owner_job_number
    from input i
    left join caller c on c.phone_number = i.from_number
    left join cases k on k.caller_id = c.id
      and k.status in (${sql.join(literalList(OPEN_CASE_STATUSES))})
    left join agents a on a.id = k.first_owner_id
    order by i.ord, k.created_at desc nulls last
  `.execute(db)
  const out: InboundRecorded[] = recs.map(() => ({ callerId: null, openCases: [] }))
  for (const r of rows.rows) {
    const o = out[r.ord - 1] as InboundRecorded
    o.callerId = r.caller_id
    if (r.reference)
      o.openCases.push({ reference: r.reference, ownerJobNumber: r.owner_job_number })
  }
  return out
}
