// `npm run bench:volume`: a year of data at 1 million and at 5 million cases (a mid-size city's
// year; a Beijing-size year is ~25 million). For each size: a database of its own
// (shouwen_bench_volume_<n>, dropped at the end, even on failure), the year generated inside
// Postgres (bench/volume-load.ts), then the service's own read functions timed against a plain
// `count(*)`: a month's rates, the service level, the supervisor board, my cases, a caller's open
// cases (looked up on every inbound call) and a case's timeline. Then sizes on disk per table,
// and the upgrades that rewrite or index a large table, timed (bench/volume-migrations.ts).
// Run it under `flock /tmp/bench.lock` on a shared machine. BENCH_VOLUME_SIZES=100000 for a
// quick try.
import { sql } from 'kysely'
import pg from 'pg'

import { listCaseEvents } from '../src/cases/case-events.repository.ts'
import { findOpenCasesOfCaller, listCasesOwnedBy } from '../src/cases/cases.repository.ts'
import { myCasesByDeadline, supervisorBoard } from '../src/console/board.ts'
import type { Db } from '../src/db/database.ts'
import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { parsePeriod } from '../src/domain/periods.ts'
import { ensureDatabase, findOrStartServices } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'
import { buildRateReport } from '../src/rates/rate-report.ts'
import { buildServiceLevelReport } from '../src/rates/service-level-report.ts'
import type { Loaded } from './volume-load.ts'
import { describeLoaded, loadYear, NOW, TZ } from './volume-load.ts'
import { timeMigrations } from './volume-migrations.ts'
import type { QueryKind, Timing } from './volume-stats.ts'
import { checkTargets, formatBytes, formatTimings } from './volume-stats.ts'

const SIZES = (process.env['BENCH_VOLUME_SIZES'] ?? '1000000,5000000').split(',').map(Number)
const LOOKUPS = Number(process.env['BENCH_LOOKUPS'] ?? 1000)
const logger = createLogger({ level: 'silent' })

const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
  say: (m) => console.log(m),
})
const df = await import('node:child_process').then((cp) =>
  cp.execFileSync('df', ['-h', '/'], { encoding: 'utf8' }),
)
console.log(`disk before the load:\n${df}`)

// BENCH_VOLUME_KEEP=1 keeps each database (and reuses a complete one) to study plans between
// runs; drop them by hand afterwards (`drop database shouwen_bench_volume_<n>`).
const keep = process.env['BENCH_VOLUME_KEEP'] === '1'
const results: { n: number; timings: Timing[] }[] = []
for (const n of SIZES) {
  const name = `shouwen_bench_volume_${n}`
  if (!keep) await admin(`drop database if exists ${name} with (force)`)
  let db = createDb({ url: await ensureDatabase(services.pgServerUrl, name), logger, max: 10 })
  try {
    await migrateToLatest(db)
    const have = await sql<{ n: string }>`select count(*) as n from cases`.execute(db)
    let loaded: Loaded
    if (keep && Number(have.rows[0]?.n) === n) {
      console.log(`\n=== ${n.toLocaleString('en')} cases: reusing ${name}`)
      await sql`analyze`.execute(db)
      loaded = { ...(await describeLoaded(db, n)), seconds: [] }
    } else {
      if (Number(have.rows[0]?.n) > 0) {
        // A half-loaded database (an interrupted run) is thrown away: the load is all or nothing.
        await db.destroy()
        await admin(`drop database if exists ${name} with (force)`)
        db = createDb({ url: await ensureDatabase(services.pgServerUrl, name), logger, max: 10 })
        await migrateToLatest(db)
      }
      await loadDemoData(db)
      const t0 = performance.now()
      loaded = await loadYear(db, n)
      const total = (performance.now() - t0) / 1000
      console.log(`\n=== ${n.toLocaleString('en')} cases: loaded in ${total.toFixed(0)} s`)
      console.log(loaded.seconds.map(([l, s]) => `  ${l}: ${s.toFixed(1)} s`).join('\n'))
    }
    const timings = await measure(db, loaded)
    const smaller = results.at(-1)
    console.log(`\n${formatTimings(`${n.toLocaleString('en')} cases (after a warm-up)`, timings)}`)
    for (const c of checkTargets(timings, smaller?.timings)) {
      console.log(`  ${c.ok ? 'ok  ' : 'MISS'} ${c.label}: ${c.why}`)
    }
    results.push({ n, timings })
    await printSizes(db)
    if (!keep) await printMigrations(db)
  } finally {
    await db.destroy()
    if (!keep) await admin(`drop database if exists ${name} with (force)`)
  }
}

async function measure(db: Db, l: Loaded): Promise<Timing[]> {
  const timings: Timing[] = []
  const time = async (
    label: string,
    kind: QueryKind,
    runs: number,
    run: (i: number) => Promise<unknown>,
  ) => {
    for (let i = 0; i < Math.min(runs, 20); i++) await run(runs + i) // warm-up
    const ms: number[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      await run(i)
      ms.push(performance.now() - t)
    }
    timings.push({ label, kind, ms })
  }
  // Keys drawn up front, the same for every query of a size: half the callers looked up have an
  // open case (the IVR then offers their first owner), half are any caller at all.
  const withOpen = (
    await sql<{ id: string }>`
      select caller_id as id from cases where status <> 'closed' and caller_id is not null
      order by md5(id::text) limit ${LOOKUPS}`.execute(db)
  ).rows.map((r) => r.id)
  const pick = (i: number, count: number) =>
    Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * count)
  const callerOf = (i: number) =>
    i % 2 === 0 && withOpen.length > 0
      ? (withOpen[(i / 2) % withOpen.length] as string)
      : String(l.callers.min + pick(i, l.callers.count))
  const agentOf = (i: number) => l.agents.min + pick(i, l.agents.count)
  const caseOf = (i: number) => String(l.caseIds.min + pick(i, l.caseIds.max - l.caseIds.min + 1))
  const clock = { now: () => NOW }
  const calendar = { timeZone: TZ, yearSource: () => 'imported' as const }
  // The defaults (SERVICE_LEVEL_SECONDS, SERVICE_LEVEL_SHORT_ABANDON_SECONDS).
  const bounds = { answerSeconds: 15, shortAbandonSeconds: 5 }
  const month = parsePeriod('2026-06', TZ)
  const lastMonth = parsePeriod('2026-11', TZ)

  await time('baseline: select count(*) from cases', 'baseline', 5, () =>
    sql`select count(*) from cases`.execute(db),
  )
  await time("caller's open cases (findOpenCasesOfCaller)", 'per-call', LOOKUPS, (i) =>
    findOpenCasesOfCaller(db, callerOf(i)),
  )
  await time('case timeline (listCaseEvents)', 'per-call', LOOKUPS, (i) =>
    listCaseEvents(db, caseOf(i)),
  )
  await time('my cases (listCasesOwnedBy)', 'per-call', LOOKUPS, (i) =>
    listCasesOwnedBy(db, agentOf(i)),
  )
  await time('my cases by deadline (console)', 'per-call', LOOKUPS, (i) =>
    myCasesByDeadline({ db, clock }, agentOf(i)),
  )
  await time('supervisor board', 'board', 200, () =>
    supervisorBoard({ db, clock, calendar, config: { timeZone: TZ, serviceLevel: bounds } }),
  )
  for (const [p, by] of [
    [month, 'all'],
    [month, 'agent'],
    [lastMonth, 'agent'],
  ] as const) {
    await time(`rates ${p.label} by ${by} (buildRateReport)`, 'report', 5, () =>
      buildRateReport(db, { period: p, by, now: NOW }),
    )
  }
  for (const by of ['hotline', 'agent'] as const) {
    await time(`service level ${month.label} by ${by} (buildServiceLevelReport)`, 'report', 5, () =>
      buildServiceLevelReport(db, { period: month, by, timeZone: TZ, bounds }),
    )
  }
  return timings
}

async function printSizes(db: Db): Promise<void> {
  const rows = (
    await sql<{ name: string; rows: string; heap: string; idx: string; total: string }>`
      select c.relname as name, c.reltuples::bigint as rows, pg_table_size(c.oid) as heap,
        pg_indexes_size(c.oid) as idx, pg_total_relation_size(c.oid) as total
      from pg_class c join pg_namespace s on s.oid = c.relnamespace
      where s.nspname = 'public' and c.relkind = 'r' and pg_total_relation_size(c.oid) > 1000000
      order by pg_total_relation_size(c.oid) desc`.execute(db)
  ).rows
  const all = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(db)
  console.log(`\nsizes on disk (tables over 1 MB; heap includes TOAST)`)
  console.log(
    `${'table'.padEnd(18)} ${'rows'.padStart(12)} ${'heap'.padStart(9)} ${'indexes'.padStart(9)} ${'total'.padStart(9)}`,
  )
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(18)} ${Number(r.rows).toLocaleString('en').padStart(12)} ${formatBytes(Number(r.heap)).padStart(9)} ${formatBytes(Number(r.idx)).padStart(9)} ${formatBytes(Number(r.total)).padStart(9)}`,
    )
  }
  console.log(`database: ${formatBytes(Number(all.rows[0]?.n))}`)
}

async function printMigrations(db: Db): Promise<void> {
  console.log(`\nupgrades on this year (each undone, then its up timed in one transaction)`)
  for (const m of await timeMigrations(db)) {
    console.log(
      `  ${m.name.padEnd(42)} ${m.upSeconds.toFixed(1).padStart(7)} s   database grew ${formatBytes(m.grewBytes)}`,
    )
  }
}

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: services.pgServerUrl })
  await c.connect()
  try {
    await c.query(q)
  } finally {
    await c.end()
  }
}
