import type { RawBuilder } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { ServiceLevelBounds, ServiceLevelDimension } from '../domain/service-level.ts'

/** One group's counts and waits as Postgres adds them up; seconds are unrounded. */
export interface ServiceLevelCounts {
  /** Null for the total row; otherwise the group's key (see groupKey). */
  key: string | null
  total: boolean
  code: string | null
  name: string | null
  offered: number
  answeredWithin: number
  answeredLater: number
  abandoned: number
  abandonedShort: number
  voicemail: number
  waiting: number
  waitAvgSeconds: number | null
  waitP90Seconds: number | null
  waitMaxSeconds: number | null
  /** By agent only (0 / null otherwise). */
  missedOffers: number
  handleSeconds: number
  handledLegs: number
}

/**
 * The group of a call, from the time it first entered the queue in the deployment's time zone:
 * the hotline number dialled, the local day, the local hour of the day (00–23, summed over the
 * period's days), or the agent who first answered (null: nobody did).
 */
function groupKey(by: ServiceLevelDimension, timeZone: string): RawBuilder<string | null> {
  const local = sql`(c.first_enqueued_at at time zone ${timeZone})`
  switch (by) {
    case 'hotline':
      return sql`c.hotline_number`
    case 'day':
      return sql`to_char(${local}, 'YYYY-MM-DD')`
    case 'hour':
      return sql`to_char(${local}, 'HH24')`
    case 'agent':
      return sql`c.first_answered_by_agent_id::text`
  }
}

/** Offer outcomes that were the agent's to take: rang out, busy, or hung up at the whisper. */
export const MISSED_OFFER_STATUSES = ['no_answer', 'busy', 'declined'] as const

/**
 * The service level's counts for calls that first entered the queue in [from, to), one row per
 * group plus the total row, in one statement that starts from calls_first_enqueued_idx. By agent
 * the same statement also reads the period's calls' offers (missed rings, handle time).
 */
export async function serviceLevelCounts(
  db: Db,
  q: {
    from: Date
    to: Date
    by: ServiceLevelDimension
    timeZone: string
    bounds: ServiceLevelBounds
  },
): Promise<ServiceLevelCounts[]> {
  const inPeriod = sql`c.first_enqueued_at >= ${q.from} and c.first_enqueued_at < ${q.to}
    and c.kind = 'caller'`
  const agent = q.by === 'agent'
  // An answered caller's wait runs to the first answer; an abandoned one's to their hang-up.
  // Neither for a caller answered once and abandoned after a requeue: they count as answered.
  const queued = sql`queued as (
    select ${groupKey(q.by, q.timeZone)} as k,
      extract(epoch from c.first_answered_at - c.first_enqueued_at)::float8 as answer_wait,
      case when c.first_answered_at is null and c.queue_state = 'abandoned' then
        extract(epoch from coalesce(c.ended_at, c.updated_at) - c.first_enqueued_at)::float8
      end as abandon_wait,
      c.first_answered_at is null and c.queue_state = 'waiting' as waiting
    from calls c where ${inPeriod})`
  const groups = sql`groups as (
    select k, grouping(k) = 1 as total,
      count(*) filter (where not waiting)::int as offered,
      count(*) filter (where answer_wait <= ${q.bounds.answerSeconds})::int as within,
      count(*) filter (where answer_wait > ${q.bounds.answerSeconds})::int as later,
      count(abandon_wait)::int as abandoned,
      count(*) filter (where abandon_wait <= ${q.bounds.shortAbandonSeconds})::int as short,
      count(*) filter (where answer_wait is null and abandon_wait is null and not waiting)::int
        as voicemail,
      count(*) filter (where waiting)::int as waiting,
      avg(answer_wait) as wait_avg,
      percentile_disc(0.9) within group (order by answer_wait) as wait_p90,
      max(answer_wait) as wait_max
    from queued group by grouping sets ((k), ()))`
  // Handle time: from picking up the ring to hanging up, for legs that reached the caller.
  const offers = sql`offers as (
    select o.agent_id::text as k, grouping(o.agent_id) = 1 as total,
      count(*) filter (where o.status in (${sql.join(MISSED_OFFER_STATUSES)}))::int as missed,
      coalesce(sum(extract(epoch from leg.ended_at - o.answered_at)::float8)
        filter (where o.status = 'accepted' and o.joined_at is not null), 0) as handle_sum,
      count(*) filter (where o.status = 'accepted' and o.joined_at is not null
        and leg.ended_at is not null and o.answered_at is not null)::int as handle_n
    from calls c
      join agent_offers o on o.call_sid = c.call_sid
      left join calls leg on leg.call_sid = o.leg_call_sid
    where ${inPeriod}
    group by grouping sets ((o.agent_id), ()))`
  const labels =
    q.by === 'hotline'
      ? sql`left join hotlines h on h.phone_number = r.k`
      : agent
        ? sql`left join agents a on a.id::text = r.k`
        : sql``
  const code = q.by === 'hotline' ? sql`r.k` : agent ? sql`a.job_number` : sql`r.k`
  const name = q.by === 'hotline' ? sql`h.name` : agent ? sql`a.name` : sql`r.k`
  // Agents rung but never answering a call of the period still have a row (their missed rings).
  const rows = agent
    ? sql`with ${queued}, ${groups}, ${offers},
        r as (
          select coalesce(g.k, o.k) as k, coalesce(g.total, o.total) as total,
            coalesce(g.offered, 0) as offered, coalesce(g.within, 0) as within,
            coalesce(g.later, 0) as later, coalesce(g.abandoned, 0) as abandoned,
            coalesce(g.short, 0) as short, coalesce(g.voicemail, 0) as voicemail,
            coalesce(g.waiting, 0) as waiting, g.wait_avg, g.wait_p90, g.wait_max,
            coalesce(o.missed, 0) as missed, coalesce(o.handle_sum, 0) as handle_sum,
            coalesce(o.handle_n, 0) as handle_n
          from groups g full join offers o
            on coalesce(g.k, '') = coalesce(o.k, '') and g.total = o.total)
        select r.*, ${code} as code, ${name} as name from r ${labels}`
    : sql`with ${queued}, ${groups}
        select r.*, 0 as missed, 0 as handle_sum, 0 as handle_n, ${code} as code,
          ${name} as name
        from groups r ${labels}`
  const result = await rows.execute(db)
  return (result.rows as Row[]).map((r) => ({
    key: r.total ? null : r.k,
    total: r.total,
    code: r.total ? null : r.code,
    name: r.total ? null : r.name,
    offered: r.offered,
    answeredWithin: r.within,
    answeredLater: r.later,
    abandoned: r.abandoned,
    abandonedShort: r.short,
    voicemail: r.voicemail,
    waiting: r.waiting,
    waitAvgSeconds: r.wait_avg,
    waitP90Seconds: r.wait_p90,
    waitMaxSeconds: r.wait_max,
    missedOffers: r.missed,
    handleSeconds: r.handle_sum,
    handledLegs: r.handle_n,
  }))
}

interface Row {
  k: string | null
  total: boolean
  code: string | null
  name: string | null
  offered: number
  within: number
  later: number
  abandoned: number
  short: number
  voicemail: number
  waiting: number
  wait_avg: number | null
  wait_p90: number | null
  wait_max: number | null
  missed: number
  handle_sum: number
  handle_n: number
}
