// `node bench/service-level.ts`: the service level (15秒接通率) on a million caller calls.
// Creates its own database (shouwen_bench_service_level), loads 1,000,000 caller calls inside
// Postgres (generate_series) — all in November 2026, the worst case for "a month" — with each
// answered call's agent leg and accepted ring and some missed rings, then times the report for
// the month by hotline, day, hour and agent, and one day by hour (the board's "today"), against
// a plain `select count(*) from calls`. Drops the database at the end. Target: under 1 s each.
import { sql } from 'kysely'
import pg from 'pg'

import type { Db } from '../src/db/database.ts'
import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { parsePeriod } from '../src/domain/periods.ts'
import type { ServiceLevelDimension } from '../src/domain/service-level.ts'
import { ensureDatabase, findOrStartServices } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'
import { buildServiceLevelReport } from '../src/rates/service-level-report.ts'

const CALLS = Number(process.env['BENCH_CALLS'] ?? 1_000_000)
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5)
const DATABASE = 'shouwen_bench_service_level'
const TZ = 'Asia/Shanghai'
const BOUNDS = { answerSeconds: 15, shortAbandonSeconds: 5 }
const START = new Date('2026-11-01T00:00:00+08:00')
const END = new Date('2026-12-01T00:00:00+08:00')
const logger = createLogger({ level: 'silent' })

const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
  say: (m) => console.log(m),
})
// BENCH_KEEP=1 keeps the loaded database for the next run (to study plans); otherwise a run
// starts from nothing and drops it at the end.
const KEEP = process.env['BENCH_KEEP'] === '1'
if (!KEEP) await dropDatabase() // a run that died half-way left its database behind
const db = createDb({ url: await ensureDatabase(services.pgServerUrl, DATABASE), logger, max: 4 })
try {
  await migrateToLatest(db)
  await loadDemoData(db)
  const t0 = performance.now()
  const have = await sql<{ n: number }>`select count(*)::int as n from calls`.execute(db)
  if ((have.rows[0]?.n ?? 0) === 0) await load(db)
  const loaded = await sql<{ callers: number; offers: number }>`
    select (select count(*) from calls where kind = 'caller')::int as callers,
      (select count(*) from agent_offers)::int as offers`.execute(db)
  const { callers, offers } = loaded.rows[0] ?? { callers: 0, offers: 0 }
  console.log(
    `loaded ${callers} caller calls (and ${offers} rings) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )

  const rows: [string, number[]][] = []
  const time = async (label: string, run: () => Promise<unknown>) => {
    await run() // warm the cache: a report is asked for more than once
    const ms: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now()
      await run()
      ms.push(performance.now() - t)
    }
    rows.push([label, ms])
  }
  await time('baseline: select count(*) from calls', () =>
    sql`select count(*) from calls`.execute(db),
  )
  const month = parsePeriod('2026-11', TZ)
  let total = ''
  for (const by of ['hotline', 'day', 'hour', 'agent'] as ServiceLevelDimension[]) {
    await time(`service level 2026-11 by ${by}`, async () => {
      const r = await buildServiceLevelReport(db, {
        period: month,
        by,
        timeZone: TZ,
        bounds: BOUNDS,
      })
      total = `offered ${r.total.offered}, within ${r.total.answeredWithin}, rate ${((r.total.serviceLevel ?? 0) * 100).toFixed(1)} %, ASA ${r.total.waitAvgSeconds} s`
    })
  }
  const day = parsePeriod('2026-11-18', TZ, { allowDay: true })
  await time('service level 2026-11-18 by hour (the board)', () =>
    buildServiceLevelReport(db, { period: day, by: 'hour', timeZone: TZ, bounds: BOUNDS }),
  )

  const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] ?? 0
  const width = Math.max(...rows.map(([l]) => l.length))
  console.log(`\nNovember: ${total}`)
  console.log(`\n${'query'.padEnd(width)}  median ms     max ms   (${RUNS} runs after a warm-up)`)
  for (const [label, ms] of rows) {
    const f = (v: number) => v.toFixed(1).padStart(9)
    console.log(`${label.padEnd(width)}  ${f(median(ms))}  ${f(Math.max(...ms))}`)
  }
  const slowest = Math.max(...rows.slice(1).flatMap(([, ms]) => ms))
  console.log(`\nslowest service-level run: ${slowest.toFixed(0)} ms (target < 1000 ms)`)
} finally {
  await db.destroy()
  if (!KEEP) await dropDatabase()
}

async function dropDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: services.pgServerUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${DATABASE} with (force)`)
  await admin.end()
}

/**
 * Generated server-side, in arrival order (as on a live hotline, so the table's pages follow
 * first_enqueued_at). Per call: 80 % to the Mandarin hotline; 3 % hang up in the menu (never
 * offered); of the rest 85 % answered by one of 50 agents after w²·60 s (about 50 % within
 * 15 s), 12 % abandoned after w·90 s, 3 % voicemail. Each answered call has its agent's leg
 * (pick-up 4 s before the answer, 3 minutes of talk) and accepted ring; 30 % of all queued
 * calls also rang another agent who did not answer.
 */
async function load(d: Db): Promise<void> {
  await d.transaction().execute(async (trx) => {
    await sql`select setseed(0.42)`.execute(trx)
    const dept = await trx.selectFrom('departments').select('id').orderBy('id').executeTakeFirst()
    await sql`
      insert into agents (job_number, name, client_identity, department_id, role)
      select 'B' || lpad(i::text, 3, '0'), 'Bench agent ' || i, 'bench-' || i, ${dept?.id ?? null},
        'agent'
      from generate_series(1, 50) i on conflict (job_number) do nothing`.execute(trx)
    const agents = (
      await trx
        .selectFrom('agents')
        .select('id')
        .where('job_number', 'like', 'B%')
        .orderBy('id')
        .execute()
    ).map((r) => r.id)
    await sql`
      insert into calls (call_sid, direction, kind, hotline_number, from_number, to_number,
        language, status, status_rank, queue_state, enqueued_at, first_enqueued_at,
        answered_by_agent_id, answered_at, first_answered_by_agent_id, first_answered_at,
        started_at, ended_at, created_at, updated_at)
      select sid, 'inbound', 'caller', hotline, '+86139' || lpad((i % 100000000)::text, 8, '0'),
        hotline, 'zh-CN', 'completed', 4,
        case outcome when 'abandoned' then 'abandoned' else 'ended' end,
        queued, queued, agent, answered, agent, answered, arrived, ended, arrived, ended
      from (
        select *,
          case when outcome = 'menu' then null else arrived + interval '20 seconds' end as queued,
          case when outcome = 'answered'
            then arrived + interval '20 seconds' + w * w * interval '60 seconds' end as answered,
          case when outcome = 'answered' then (${agents}::int[])[1 + floor(a * 50)::int] end
            as agent,
          arrived + case outcome
            when 'menu' then interval '15 seconds'
            when 'answered' then interval '200 seconds' + w * w * interval '60 seconds'
            when 'abandoned' then interval '20 seconds' + w * interval '90 seconds'
            else interval '90 seconds' end as ended
        from (
          select i, 'CA' || md5('c' || i) as sid,
            ${START}::timestamptz + (i - random()) / ${CALLS}
              * (${END}::timestamptz - ${START}::timestamptz) as arrived,
            case when random() < 0.8 then '+8657112345' else '+15005550006' end as hotline,
            case when o < 0.03 then 'menu' when o < 0.03 + 0.97 * 0.85 then 'answered'
              when o < 0.03 + 0.97 * 0.97 then 'abandoned' else 'voicemail' end as outcome,
            random() as w, random() as a
          from (select i, random() as o from generate_series(1, ${CALLS}) i) g
        ) s
      ) c`.execute(trx)
    // The answering agent's leg, and the ring they accepted.
    await sql`
      insert into calls (call_sid, direction, kind, parent_call_sid, agent_id, status,
        status_rank, queue_state, started_at, ended_at, created_at, updated_at)
      select 'CA' || md5('l' || call_sid), 'outbound', 'agent_offer', call_sid,
        first_answered_by_agent_id, 'completed', 4, 'ended', first_answered_at - interval '4 s',
        ended_at, first_answered_at, ended_at
      from calls where kind = 'caller' and first_answered_at is not null
      order by first_enqueued_at`.execute(trx)
    await sql`
      insert into agent_offers (id, call_sid, agent_id, leg_call_sid, wave, status, created_at,
        answered_at, joined_at, ended_at)
      select md5('o' || call_sid)::uuid, call_sid, first_answered_by_agent_id,
        'CA' || md5('l' || call_sid), 1, 'accepted', first_enqueued_at,
        first_answered_at - interval '4 s', first_answered_at + interval '1 s', ended_at
      from calls where kind = 'caller' and first_answered_at is not null
      order by first_enqueued_at`.execute(trx)
    // A colleague rung first who let it ring out.
    await sql`
      insert into agent_offers (id, call_sid, agent_id, wave, status, created_at, ended_at)
      select md5('m' || call_sid)::uuid, call_sid, (${agents}::int[])[1 + floor(random() * 50)::int],
        1, 'no_answer', first_enqueued_at, first_enqueued_at + interval '16 s'
      from calls where kind = 'caller' and first_enqueued_at is not null and random() < 0.3
      order by first_enqueued_at`.execute(trx)
  })
  await sql`vacuum analyze calls`.execute(d)
  await sql`vacuum analyze agent_offers`.execute(d)
}
