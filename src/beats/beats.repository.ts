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
 * Claims this beat of a duty: true for exactly one caller across all processes, once per
 * `everyMs`. Times are the database's, so processes with skewed clocks still agree. A stored
 * beat further away than one period (the period was shortened) is claimed at once.
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
      where d.next_due_at <= clock_timestamp() or d.next_due_at > excluded.next_due_at
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
