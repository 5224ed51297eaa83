import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

export interface BeatState {
  name: string
  everyMs: number
  nextDueAt: Date
  lastStartedAt: Date | null
  lastOkAt: Date | null
  lastError: string | null
  lastRunner: string | null
  runs: number
  failures: number
}

/**
 * How long a run may hold its duty: the next beat waits for it to finish, so two processes never
 * run one duty at once (a slow run would otherwise overlap the next process's); a run whose
 * process died is given up after this.
 */
export function leaseMs(everyMs: number): number {
  return Math.max(3 * everyMs, 60_000)
}
const LEASE_SQL = (everyMs: number) => sql`make_interval(secs => ${leaseMs(everyMs) / 1000})`

/**
 * Claims this beat of a duty: true for exactly one caller across all processes, once per
 * `everyMs`, and only once the previous run finished (or its lease ran out). Times are the
 * database's, so processes with skewed clocks still agree. A stored beat further away than one
 * period (the period was shortened) is claimed at once.
 */
export async function claimBeat(
  db: Db,
  o: { name: string; everyMs: number; runner: string },
): Promise<boolean> {
  const { rows } = await sql<{ name: string }>`
    insert into periodic_duties as d (name, every_ms, next_due_at, last_started_at, last_runner, runs)
    values (${o.name}, ${o.everyMs},
            clock_timestamp() + make_interval(secs => ${o.everyMs / 1000}),
            clock_timestamp(), ${o.runner}, 1)
    on conflict (name) do update
      set every_ms = excluded.every_ms, next_due_at = excluded.next_due_at,
          last_started_at = excluded.last_started_at, last_runner = excluded.last_runner,
          runs = d.runs + 1
      where (d.next_due_at <= clock_timestamp() or d.next_due_at > excluded.next_due_at)
        and (d.last_finished_at >= d.last_started_at
             or d.last_started_at < clock_timestamp() - ${LEASE_SQL(o.everyMs)})
    returning d.name`.execute(db)
  return rows.length === 1
}

export async function finishBeat(
  db: Db,
  o: { name: string; runner: string; error: string | null },
): Promise<void> {
  const now = sql<Date>`clock_timestamp()`
  await db
    .updateTable('periodic_duties')
    .set({
      last_finished_at: now,
      last_error: o.error,
      ...(o.error ? { failures: sql`failures + 1` } : { last_ok_at: now }),
    })
    .where('name', '=', o.name)
    .where('last_runner', '=', o.runner)
    .execute()
}

export async function listBeats(db: Db): Promise<BeatState[]> {
  const rows = await db.selectFrom('periodic_duties').selectAll().orderBy('name').execute()
  return rows.map((r) => ({
    name: r.name,
    everyMs: r.every_ms,
    nextDueAt: r.next_due_at,
    lastStartedAt: r.last_started_at,
    lastOkAt: r.last_ok_at,
    lastError: r.last_error,
    lastRunner: r.last_runner,
    runs: Number(r.runs),
    failures: Number(r.failures),
  }))
}
