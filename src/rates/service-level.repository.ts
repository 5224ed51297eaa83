import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { reportStatement } from '../db/report-statement.ts'
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
 * period's days), or the agent who first answered (null: nobody did). Days and hours are
 * grouped as timestamps and numbers (cheap for a million rows) and named once per group.
 */
function groupKey(by: ServiceLevelDimension, timeZone: string) {
  switch (by) {
    case 'hotline':
      return { row: sql`c.hotline_number`, name: sql`r.k` }
    case 'day':
      return {
        row: sql`date_trunc('day', c.first_enqueued_at, ${timeZone})`,
        name: sql`to_char(r.k at time zone ${timeZone}, 'YYYY-MM-DD')`,
      }
    case 'hour':
      return {
        row: sql`date_part('hour', c.first_enqueued_at at time zone ${timeZone})::int`,
        name: sql`lpad(r.k::text, 2, '0')`,
      }
    case 'agent':
      return { row: sql`c.first_answered_by_agent_id`, name: sql`r.k::text` }
  }
}

/** Offer outcomes that were the agent's to take: rang out, busy, or hung up at the whisper. */
export const MISSED_OFFER_STATUSES = ['no_answer', 'busy', 'declined'] as const

/**
 * The service level's counts for calls that first entered the queue in [from, to), one row per
 * group plus the total row, in one statement that reads calls_first_enqueued_idx alone (an
 * index-only scan). By agent a second statement, run at the same time on another connection,
 * reads the period's rings from agent_offers_created_idx alone.
 *
 * The p90 is percentile_disc(0.9) of the answered waits rounded to 0.1 s, as the report shows
 * it; rounding keeps the order, so that is the exact percentile_disc rounded. Two ways to it,
 * by how many groups there are:
 *
 * - Few groups (hotline, day, hour): the waits are first counted per group and tenth of a second
 *   by hashing (a few thousand rows however many calls), and the p90 is read off those counts.
 * - By agent, a thousand agents each with a few hundred waits leave almost as many (agent,
 *   tenth) counts as calls, and hashing, regrouping and running sums over them cost three times
 *   a plain sort: at 5 million cases a year, a month's 410,000 calls took 1.0 s that way and
 *   0.34 s sorted by agent with percentile_disc itself (EXPLAIN ANALYZE).
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
    and c.kind = 'caller' and c.first_enqueued_at is not null`
  const agent = q.by === 'agent'
  const key = groupKey(q.by, q.timeZone)
  // An answered caller's wait runs to the first answer. A caller answered once and abandoned
  // after a requeue counts as answered, not abandoned.
  const queued = sql`queued as (
    select ${key.row} as k,
      date_part('epoch', c.first_answered_at - c.first_enqueued_at) as answer_wait,
      c.first_answered_at is null and c.queue_state = 'abandoned' as abandoned,
      c.first_answered_at is null and c.queue_state = 'abandoned'
        and c.ended_at - c.first_enqueued_at
          <= make_interval(secs => ${q.bounds.shortAbandonSeconds}) as short,
      c.first_answered_at is null and c.queue_state = 'waiting' as waiting
    from calls c where ${inPeriod})`
  const buckets = sql`buckets as (
    select k, floor(answer_wait * 10 + 0.5)::int as b,
      count(*) as calls, count(answer_wait) as answered,
      count(*) filter (where answer_wait <= ${q.bounds.answerSeconds}) as within,
      count(*) filter (where abandoned) as abandoned, count(*) filter (where short) as short,
      count(*) filter (where waiting) as waiting,
      sum(answer_wait) as wait_sum, max(answer_wait) as wait_max
    from queued group by k, b)`
  // Each group's buckets, and every bucket over all groups for the total row.
  const sets = sql`sets as (
    select k, grouping(k) = 1 as total, b, sum(calls) as calls, sum(answered) as answered,
      sum(within) as within, sum(abandoned) as abandoned, sum(short) as short,
      sum(waiting) as waiting, sum(wait_sum) as wait_sum, max(wait_max) as wait_max
    from buckets group by grouping sets ((k, b), (b)))`
  const ranked = sql`ranked as (
    select *, sum(answered) over (partition by k, total order by b) as below,
      sum(answered) over (partition by k, total) as n
    from sets)`
  const groups = sql`groups as (
    select k, total,
      (sum(calls) - sum(waiting))::int as offered,
      sum(within)::int as within,
      (sum(answered) - sum(within))::int as later,
      sum(abandoned)::int as abandoned,
      sum(short)::int as short,
      (sum(calls) - sum(waiting) - sum(answered) - sum(abandoned))::int as voicemail,
      sum(waiting)::int as waiting,
      sum(wait_sum) / nullif(sum(answered), 0) as wait_avg,
      min(b) filter (where b is not null and below * 10 >= n * 9) / 10.0::float8 as wait_p90,
      max(wait_max) as wait_max
    from ranked group by k, total)`
  // The agent's rings of the period, by when they rang (an index-only scan of its own: no
  // join to a million calls). Handle time: from picking up to hanging up, for legs that
  // reached the caller.
  const offers = sql`offers as (
    select o.agent_id as k, grouping(o.agent_id) = 1 as total,
      count(*) filter (where o.status in (${sql.join(MISSED_OFFER_STATUSES)}))::int as missed,
      coalesce(sum(date_part('epoch', o.ended_at - o.answered_at))
        filter (where o.status = 'accepted' and o.joined_at is not null), 0) as handle_sum,
      count(o.ended_at - o.answered_at)
        filter (where o.status = 'accepted' and o.joined_at is not null)::int as handle_n
    from agent_offers o
    where o.created_at >= ${q.from} and o.created_at < ${q.to}
    group by grouping sets ((o.agent_id), ()))`
  const labels =
    q.by === 'hotline'
      ? sql`left join hotlines h on h.phone_number = r.k`
      : agent
        ? sql`left join agents a on a.id = r.k`
        : sql``
  const code = agent ? sql`a.job_number` : key.name
  const name = q.by === 'hotline' ? sql`h.name` : agent ? sql`a.name` : key.name
  // By agent: one sort by agent, each agent's waits ordered for percentile_disc. The same
  // columns as groups'; avg ignores the unanswered (null) waits as wait_sum / answered does.
  const perAgent = sql`groups as (
    select k, grouping(k) = 1 as total,
      (count(*) - count(*) filter (where waiting))::int as offered,
      count(*) filter (where answer_wait <= ${q.bounds.answerSeconds})::int as within,
      (count(answer_wait) - count(*) filter (where answer_wait <= ${q.bounds.answerSeconds}))::int
        as later,
      count(*) filter (where abandoned)::int as abandoned,
      count(*) filter (where short)::int as short,
      (count(*) - count(*) filter (where waiting) - count(answer_wait)
        - count(*) filter (where abandoned))::int as voicemail,
      count(*) filter (where waiting)::int as waiting,
      avg(answer_wait) as wait_avg,
      floor(percentile_disc(0.9) within group (order by answer_wait) * 10 + 0.5) / 10.0::float8
        as wait_p90,
      max(answer_wait) as wait_max
    from queued group by grouping sets ((k), ()))`
  const ctes = agent
    ? sql`${queued}, ${perAgent}`
    : sql`${queued}, ${buckets}, ${sets}, ${ranked}, ${groups}`
  const calls = sql<Row>`with ${ctes}
    select r.*, 0 as missed, 0 as handle_sum, 0 as handle_n, ${key.name} as key,
      ${code} as code, ${name} as name
    from groups r ${labels}`
  // By agent, the rings are a second statement on another connection, run beside the calls'
  // (no join of a million calls to their rings: each reads its own index), merged below.
  const rings = sql<OfferRow>`with ${offers}
    select r.*, r.k::text as key, a.job_number as code, a.name as name
    from offers r left join agents a on a.id = r.k`
  // A month hashes or sorts a million calls: room for that in memory, for this one statement,
  // rather than batches spilled to disk.
  const [callRows, ringRows] = await Promise.all([
    reportStatement(db, async (trx) => (await calls.execute(trx)).rows, { workMem: '64MB' }),
    agent ? reportStatement(db, async (trx) => (await rings.execute(trx)).rows) : [],
  ])
  return mergeRings(callRows, ringRows).map((r) => ({
    key: r.total ? null : r.key,
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
  key: string | null
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

interface OfferRow {
  key: string | null
  total: boolean
  code: string | null
  name: string | null
  missed: number
  handle_sum: number
  handle_n: number
}

/**
 * Each agent's rings onto their calls' row. An agent rung but never answering a call of the
 * period still gets a row (their missed rings); the total row takes the total of the rings.
 */
function mergeRings(calls: Row[], rings: OfferRow[]): Row[] {
  const id = (r: { key: string | null; total: boolean }) => (r.total ? 'total' : `agent:${r.key}`)
  const byId = new Map(calls.map((r) => [id(r), r]))
  for (const o of rings) {
    const r = byId.get(id(o))
    const ring = { missed: o.missed, handle_sum: o.handle_sum, handle_n: o.handle_n }
    if (r) Object.assign(r, ring)
    else {
      const none = { offered: 0, within: 0, later: 0, abandoned: 0, short: 0, voicemail: 0 }
      byId.set(id(o), {
        ...none,
        waiting: 0,
        wait_avg: null,
        wait_p90: null,
        wait_max: null,
        ...o,
        ...ring,
      })
    }
  }
  return [...byId.values()]
}
