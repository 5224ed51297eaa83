// What Postgres ran, window by window: pg_stat_statements read every few seconds through the day,
// so the statements behind a slow 10-s window can be told from the day's (the totals at the end
// cannot say whether a statement's time came evenly or in one burst).
import { type Kysely, sql } from 'kysely'

interface Counts {
  calls: number
  ms: number
}
interface Snapshot {
  at: number
  byQuery: Map<string, Counts>
}
export interface StatementDelta {
  query: string
  calls: number
  ms: number
}

export interface PgSampler {
  stop(): void
  /** The statements that took Postgres longest between `from` and `to` (epoch ms), largest first. */
  between(
    from: number,
    to: number,
    limit: number,
  ): Promise<{ totalMs: number; top: StatementDelta[] }>
  /** Postgres's execution time per 10 s over the sampled day, for comparison with a window's. */
  msPer10s(): number
}

export function startPgSampler<DB>(db: Kysely<DB>, everyMs = 2000): PgSampler {
  const snaps: Snapshot[] = []
  let busy = false
  const take = async () => {
    if (busy) return // Postgres slow to answer: skip a beat rather than pile up
    busy = true
    try {
      const r = await sql<{ id: string; calls: number; ms: number }>`
        select queryid::text as id, calls::float8 as calls, total_exec_time::float8 as ms
        from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())`.execute(db)
      snaps.push({
        at: Date.now(),
        byQuery: new Map(r.rows.map((x) => [x.id, { calls: x.calls, ms: x.ms }])),
      })
    } catch {
      // Postgres restarting (a fault): the next beat
    } finally {
      busy = false
    }
  }
  void take()
  const timer = setInterval(() => void take(), everyMs)
  // The last snapshot at or before t, and the first at or after it.
  const atOrBefore = (t: number) => snaps.filter((s) => s.at <= t).at(-1) ?? snaps[0]
  const atOrAfter = (t: number) => snaps.find((s) => s.at >= t) ?? snaps.at(-1)
  const diff = (a: Snapshot, b: Snapshot) => {
    const out: { id: string; calls: number; ms: number }[] = []
    for (const [id, c] of b.byQuery) {
      const before = a.byQuery.get(id) ?? { calls: 0, ms: 0 }
      // A reset (a restart without the stats file) shows as less than before: not counted.
      if (c.ms >= before.ms) out.push({ id, calls: c.calls - before.calls, ms: c.ms - before.ms })
    }
    return out
  }
  return {
    stop: () => clearInterval(timer),
    async between(from, to, limit) {
      const a = atOrBefore(from)
      const b = atOrAfter(to)
      if (!a || !b || a === b) return { totalMs: NaN, top: [] }
      const d = diff(a, b).sort((x, y) => y.ms - x.ms)
      const top = d.slice(0, limit)
      const texts = await sql<{ id: string; query: string }>`
        select queryid::text as id, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query
        from pg_stat_statements where queryid::text = any(${top.map((x) => x.id)}::text[])`
        .execute(db)
        .then((r) => new Map(r.rows.map((x) => [x.id, x.query])))
        .catch(() => new Map<string, string>())
      return {
        totalMs: d.reduce((s, x) => s + x.ms, 0),
        top: top.map((x) => ({ query: texts.get(x.id) ?? x.id, calls: x.calls, ms: x.ms })),
      }
    },
    msPer10s() {
      const a = snaps[0]
      const b = snaps.at(-1)
      if (!a || !b || b.at === a.at) return NaN
      return (diff(a, b).reduce((s, x) => s + x.ms, 0) * 10_000) / (b.at - a.at)
    },
  }
}
