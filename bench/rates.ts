// `node bench/rates.ts`: the rates report on a million cases. Loads its own database
// (shouwen_bench_rates) once — cases over 12 months, 5 categories, 50 agents, ~2 deadlines and ~1
// return call per case, all generated inside Postgres — then times `select count(*) from cases`
// as the baseline against each monthly (and one weekly) rates report. Target: under 1 s each.
import { sql } from 'kysely'
import pg from 'pg'

import type { Db } from '../src/db/database.ts'
import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { parsePeriod } from '../src/domain/periods.ts'
import { ensureDatabase, findOrStartServices } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'
import { buildRateReport } from '../src/rates/rate-report.ts'
import type { RateDimension, RateWindow } from '../src/rates/rates.repository.ts'
import {
  classificationCounts,
  closedCaseCounts,
  satisfactionCounts,
  timelinessCounts,
} from '../src/rates/rates.repository.ts'

const CASES = 1_000_000
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5)
const DATABASE = 'shouwen_bench_rates'
const TZ = 'Asia/Shanghai'
// Twelve months of cases, Shanghai time; the report runs "now", at the end of them.
const START = new Date('2025-12-01T00:00:00+08:00')
const NOW = new Date('2026-12-01T00:00:00+08:00')
const logger = createLogger({ level: 'silent' })

const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
  say: (m) => console.log(m),
})
let db = await open()
const count = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from cases`.execute(db)).rows[0]?.n ?? 0)
if ((await count()) < CASES) {
  // A half-loaded database (an interrupted run) is thrown away: the load is all or nothing.
  await db.destroy()
  const admin = new pg.Client({ connectionString: services.pgServerUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${DATABASE} with (force)`)
  await admin.end()
  db = await open()
  const t0 = performance.now()
  await load(db)
  console.log(`loaded ${await count()} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
} else {
  console.log(`using the ${await count()} cases already in ${DATABASE}`)
}

const month = parsePeriod('2026-06', TZ)
const week = parsePeriod('2026-W24', TZ)
const w: RateWindow = { from: month.from, to: month.to, now: NOW }
const rows: [string, number[]][] = []
const time = async (label: string, run: () => Promise<unknown>) => {
  await run() // warm the cache: the figures are for a report asked for more than once a day
  const ms: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    await run()
    ms.push(performance.now() - t)
  }
  rows.push([label, ms])
}

await time('baseline: select count(*) from cases', count)
for (const by of ['all', 'agent', 'department', 'category'] as RateDimension[]) {
  await time(`rates 2026-06 by ${by} (5 rates)`, () =>
    buildRateReport(db, { period: month, by, now: NOW }),
  )
}
await time('rates 2026-W24 by agent (5 rates)', () =>
  buildRateReport(db, { period: week, by: 'agent', now: NOW }),
)
// The unlucky month: one case from the first day of the data has a step and a rated return call
// in July, so July's rows no longer point at a narrow band of recent cases.
await oldCaseIn('2026-07-15T09:00:00+08:00')
await time('rates 2026-07 by agent, one old case in it', () =>
  buildRateReport(db, { period: parsePeriod('2026-07', TZ), by: 'agent', now: NOW }),
)
await time('  of which timeliness, by agent', () => timelinessCounts(db, w, 'agent'))
await time('  of which satisfaction, by agent', () => satisfactionCounts(db, w, 'agent'))
await time('  of which return call + pass, by agent', () => closedCaseCounts(db, w, 'agent'))
await time('  of which classification, by agent', () => classificationCounts(db, w, 'agent'))
await db.destroy()

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] ?? 0
const width = Math.max(...rows.map(([l]) => l.length))
console.log(`\n${'query'.padEnd(width)}  median ms     max ms   (${RUNS} runs after a warm-up)`)
for (const [label, ms] of rows) {
  const f = (v: number) => v.toFixed(1).padStart(9)
  console.log(`${label.padEnd(width)}  ${f(median(ms))}  ${f(Math.max(...ms))}`)
}
const slowest = Math.max(...rows.slice(1).flatMap(([, ms]) => ms))
console.log(`\nslowest rates run: ${slowest.toFixed(0)} ms (target < 1000 ms)`)

async function open(): Promise<Db> {
  const url = await ensureDatabase(services.pgServerUrl, DATABASE)
  const d = createDb({ url, logger, max: 10 })
  await migrateToLatest(d)
  await loadDemoData(d)
  return d
}

/** A step done and a rated return call at `at` for the oldest case (idempotent). */
async function oldCaseIn(at: string): Promise<void> {
  await sql`
    with old as (select id, created_at from cases order by id limit 1),
    step as (
      insert into case_deadlines (case_id, step, started_at, due_at, warn_at, done_at)
      select id, 'department_answer', created_at, ${at}::timestamptz, created_at, ${at}::timestamptz
      from old on conflict (case_id, step) do nothing),
    cb as (
      insert into callbacks (case_id, purpose, due_at, status)
      select id, 'promised_reply', ${at}::timestamptz, 'done' from old
      where not exists (select 1 from callbacks c, old where c.case_id = old.id
        and c.purpose = 'promised_reply')
      returning id)
    insert into callback_attempts (callback_id, attempt, started_at, answered_at, outcome, rating)
    select id, 1, ${at}::timestamptz, ${at}::timestamptz, 'confirmed', 5 from cb`.execute(db)
}

/** Everything in one transaction, generated server-side; shares are those of a busy hotline. */
async function load(d: Db): Promise<void> {
  await d.transaction().execute(async (trx) => {
    await sql`select setseed(0.42)`.execute(trx)
    const dept = (await trx.selectFrom('departments').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    )
    await sql`
      insert into agents (job_number, name, client_identity, department_id, role)
      select 'B' || lpad(i::text, 3, '0'), 'Bench agent ' || i, 'bench-' || i, ${dept[0]}, 'agent'
      from generate_series(1, 50) i on conflict (job_number) do nothing`.execute(trx)
    const ids = async (q: string) =>
      (await sql<{ id: number }>`${sql.raw(q)}`.execute(trx)).rows.map((r) => r.id)
    const agents = await ids(`select id from agents where job_number like 'B%' order by id`)
    const cats = await ids(`select id from categories order by id`)
    const manager = (await ids(`select id from agents where role = 'manager' limit 1`))[0]
    // Rows as wide as real ones (place, a sentence or two of content, contact), so a plan that reads
    // whole case rows pays what it would in production.
    // Cases arrive in time order, as they do on a live hotline: ids (and so the table's pages)
    // follow created_at, which the rates' range scans depend on.
    // Per case: category (40 % repair, 15 % complaint, 30 % inquiry, 10 % neighbour, 5 %
    // emergency); 99 % answered by one of 50 agents; 0.8 % recategorised after dispatch; 40 %
    // transferred to a department; closed within r³·4 days if that is before NOW, for 92 %;
    // 4 % of closures by supervisor override; 6 % with rework; ratings mostly 5.
    await sql`
      insert into cases (reference, place, content, contact_name, contact_phone,
        category_id, dispatched_category_id, first_owner_id,
        first_owned_at, assignee_agent_id, assignee_department_id, status, created_at, updated_at,
        resolved_at, closed_at, closed_by, rework_count, satisfaction)
      select 'BR-' || lpad(i::text, 8, '0'),
        'Building ' || (i % 40 + 1) || ', unit ' || (i % 30 + 1) * 100 + i % 6,
        (array['厨房水龙头漏水，已经持续两天了，楼下邻居也反映天花板有水渍，请尽快派人上门维修。',
          '楼道灯坏了一个星期，晚上出入很不方便，老人小孩容易摔倒，希望物业尽快处理并回复。',
          '隔壁装修噪音从早上七点开始，周末也不停，已经影响休息，请协调装修时间并告知结果。',
          '想咨询停车位月卡的办理流程、所需材料和收费标准，以及是否可以在线缴费和开具发票。'])
          [1 + i % 4] || ' 联系人下午在家。',
        'Mr Wang', '+86138' || lpad((i % 100000000)::text, 8, '0'), cat,
        case when r_cls < 0.008 then (${cats}::int[])[1 + (array_position(${cats}::int[], cat) % 5)]
          else cat end,
        owner, case when owner is not null then created end, owner,
        case when r_dept < 0.4 then (${dept}::int[])[1 + floor(r_dept * 7.5)::int] end,
        case when done then 'closed' else 'in_progress' end, created, created,
        case when done then closes - interval '1 hour' end, case when done then closes end,
        case when done then case when r_override < 0.04 then 'supervisor_override' else 'caller' end end,
        case when r_rework < 0.01 then 2 when r_rework < 0.06 then 1 else 0 end,
        case when done and r_override >= 0.04 then case when r_sat < 0.70 then 5 when r_sat < 0.90
          then 4 when r_sat < 0.96 then 3 when r_sat < 0.99 then 2 else 1 end end
      from (
        select *,
          case when r_cat < 0.40 then (${cats}::int[])[1] when r_cat < 0.55 then (${cats}::int[])[2]
            when r_cat < 0.85 then (${cats}::int[])[3] when r_cat < 0.95 then (${cats}::int[])[4]
            else (${cats}::int[])[5] end as cat,
          case when r_owner < 0.99 then (${agents}::int[])[1 + floor(r_agent * 50)::int] end as owner,
          created + r_close ^ 3 * interval '4 days' as closes,
          r_owner < 0.99 and r_closed < 0.92 and created + r_close ^ 3 * interval '4 days' < ${NOW}
            as done
        from (
          select i, ${START}::timestamptz + (i - random()) / ${CASES}
              * (${NOW}::timestamptz - ${START}::timestamptz) as created,
            random() r_cat, random() r_owner, random() r_agent, random() r_cls, random() r_dept,
            random() r_close, random() r_closed, random() r_override, random() r_rework,
            random() r_sat
          from generate_series(1, ${CASES}) i
        ) a
      ) b`.execute(trx)
    // Two steps a case, written when it opens: recording (1 min, ~9 % late) and resolution (2
    // days; late ones have a manager's extension 30 % of the time; open ones are overdue).
    await sql`
      insert into case_deadlines (case_id, step, started_at, due_at, warn_at, done_at, extended_by)
      select id, s.step, created_at, created_at + s.limit_after, created_at + s.limit_after * 0.8,
        case when s.step = 'record' then created_at + random() * interval '66 seconds'
          else resolved_at end,
        case when s.step = 'resolution' and resolved_at > created_at + s.limit_after
          and random() < 0.3 then ${manager}::int end
      from cases
      cross join (values ('record', interval '1 minute'), ('resolution', interval '2 days'))
        as s(step, limit_after)
      order by id, s.step`.execute(trx)
    await sql`
      insert into callbacks (case_id, purpose, attempt, due_at, status, outcome, created_at)
      select id, 'confirmation', 1, resolved_at + interval '2 minutes',
        case when closed_by = 'caller' then 'done' else 'exhausted' end,
        case when closed_by = 'caller' then 'confirmed' else 'exhausted' end, resolved_at
      from cases where status = 'closed' order by resolved_at`.execute(trx)
    await sql`
      insert into callback_attempts (callback_id, attempt, started_at, answered_at, ended_at,
        outcome, rating)
      select cb.id, 1, cb.due_at, case when cb.outcome = 'confirmed' then c.closed_at end,
        c.closed_at, case when cb.outcome = 'confirmed' then 'confirmed' else 'no_answer' end,
        case when cb.outcome = 'confirmed' and random() < 0.95 then c.satisfaction end
      from callbacks cb join cases c on c.id = cb.case_id order by cb.id`.execute(trx)
  })
  await sql`vacuum analyze`.execute(d)
}
