// `node bench/callbacks.ts`: 10,000 confirmation callbacks due in the same minute, two worker
// processes, the Twilio edge simulated. Prints: scheduling throughput (Postgres row + job)
// against raw BullMQ addBulk in the same run (target ratio >= 0.3), then whether every callback
// was dialled exactly once, lateness (dial time - due time) p50/p99 (target p99 <= 2 s) and the
// rate the burst was drained at.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { sql } from 'kysely'

import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { ensureDatabase, findOrStartServices, withDatabase } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'
import { createCallbackScheduler, createCallbacksQueue } from '../src/queues/callbacks.queue.ts'

const N = Number(process.env['BENCH_CALLBACKS'] ?? 10_000)
// The simulated edge has no API concurrency limit, so neither does the bench by default; a real
// Twilio account's is far lower (100 unless raised), and so is the service's default.
const DIALS_IN_FLIGHT = process.env['CALLBACK_DIALS_IN_FLIGHT'] ?? '5000'
const BATCH = 500
const logger = createLogger({ level: 'silent' })
const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
})
const admin = createDb({ url: withDatabase(services.pgServerUrl, 'postgres'), logger })
await sql`drop database if exists shouwen_bench_cb with (force)`.execute(admin)
await admin.destroy()
const url = await ensureDatabase(services.pgServerUrl, 'shouwen_bench_cb')
const db = createDb({ url, logger, max: 10 })
await migrateToLatest(db)
await loadDemoData(db)
// N cases awaiting the caller's confirmation, each with its own caller.
await sql`
  insert into callers (phone_number) select '+8613' || lpad(g::text, 9, '0') from generate_series(1, ${N}) g
`.execute(db)
await sql`
  insert into cases (reference, hotline_number, caller_id, status, first_owner_id, resolved_at)
  select 'HL-20261123-' || lpad(g::text, 6, '0'), '+8657112345', c.id, 'awaiting_confirmation',
    (select id from agents where job_number = '1001'), now()
  from generate_series(1, ${N}) g join callers c on c.phone_number = '+8613' || lpad(g::text, 9, '0');
`.execute(db)
const caseIds = (await db.selectFrom('cases').select('id').orderBy('id').execute()).map((r) => r.id)

const prefix = `benchcb${Date.now()}`
const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null })
const queue = createCallbacksQueue(redis, prefix)
const scheduler = createCallbackScheduler(queue, { now: () => new Date() })
const dueAt = new Date(Date.now() + Number(process.env['BENCH_DUE_IN_MS'] ?? 40_000)) // all due in the same instant, 40 s from now

// 1. Scheduling throughput: our path (Postgres row + BullMQ job) against raw addBulk.
let t = performance.now()
for (let i = 0; i < caseIds.length; i += BATCH) {
  const rows = await db
    .insertInto('callbacks')
    .values(
      caseIds.slice(i, i + BATCH).map((id) => ({
        case_id: id,
        purpose: 'confirmation' as const,
        due_at: dueAt,
        outcome: null,
        max_attempts: 5,
      })),
    )
    .returning(['id', 'attempt'])
    .execute()
  await scheduler.scheduleMany(
    rows.map((r) => ({ callbackId: r.id, attempt: r.attempt + 1, dueAt })),
  )
}
const oursPerS = N / ((performance.now() - t) / 1000)
const raw = new Queue(`raw${prefix}`, { connection: redis, prefix })
t = performance.now()
for (let i = 0; i < N; i += BATCH) {
  await raw.addBulk(
    Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => ({
      name: 'dial',
      data: { callbackId: String(i + k), attempt: 1 },
      opts: { jobId: `raw-${i + k}`, delay: 600_000 },
    })),
  )
}
const rawPerS = N / ((performance.now() - t) / 1000)
await raw.obliterate({ force: true })
await raw.close()
console.log(
  `scheduling: Postgres row + job ${oursPerS.toFixed(0)}/s, raw addBulk ${rawPerS.toFixed(0)}/s, ratio ${(oursPerS / rawPerS).toFixed(2)} (target >= 0.3)`,
)

// 2. Two worker processes dial everything when it falls due.
console.log(`dialling with up to ${DIALS_IN_FLIGHT} create-call requests open per worker process`)
const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'shouwen-bench-cb-')), 'dials')
const workers = [0, 1].map(() =>
  spawn(process.execPath, [path.join(import.meta.dirname, 'callbacks-worker.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: prefix,
      OUT_FILE: out,
      CALLBACK_DIALS_IN_FLIGHT: DIALS_IN_FLIGHT,
      // e.g. WORKER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the workers
      NODE_OPTIONS: process.env['WORKER_NODE_OPTIONS'] ?? '',
    },
    stdio: 'inherit',
  }),
)
const deadline = dueAt.getTime() + 120_000
const lines = () =>
  existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : []
while (Date.now() < deadline && lines().length < N) await new Promise((r) => setTimeout(r, 500))
await new Promise((r) => setTimeout(r, 3000)) // anything dialled twice would show up by now
for (const w of workers) w.kill('SIGTERM')

const dials = lines().map((l) => l.split(' '))
const unique = new Set(dials.map(([cb, a]) => `${cb}-${a}`))
const lateness = dials.map(([, , at]) => Number(at) - dueAt.getTime()).sort((a, b) => a - b)
const pct = (p: number) =>
  lateness[Math.min(lateness.length - 1, Math.floor((p / 100) * lateness.length))] ?? NaN
const counted = await db
  .selectFrom('callback_attempts')
  .select(sql<number>`count(*)::int`.as('n'))
  .executeTakeFirstOrThrow()
console.log(
  `dialled: ${dials.length} dials for ${N} callbacks, ${unique.size} distinct, ${dials.length - unique.size} duplicates, ${N - unique.size} missing; attempts recorded ${counted.n}`,
)
console.log(
  `lateness (dial - due): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lateness.at(-1)} ms (target p99 <= 2000 ms)`,
)
// From the due time to the last dial: the rate at which the two workers drained the burst.
const drainS = Math.max(1, lateness.at(-1) ?? 0) / 1000
console.log(`dial rate: ${(dials.length / drainS).toFixed(0)} dials/s over ${drainS.toFixed(1)} s`)
await queue.obliterate({ force: true }).catch(() => {})
await queue.close()
redis.disconnect()
await db.destroy()
