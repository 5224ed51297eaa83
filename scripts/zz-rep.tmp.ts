import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { buildRateReport } from '../src/rates/rate-report.ts'
import { buildServiceLevelReport } from '../src/rates/service-level-report.ts'
import { parsePeriod } from '../src/domain/periods.ts'
import { NOW, TZ } from '../bench/volume-load.ts'
const n = process.argv[2] ?? '1000000'
const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:5432/shouwen_bench_volume_${n}`, max: 10 })
const times: string[] = []
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log(e) { if (e.level === 'query') times.push(`${e.queryDurationMillis.toFixed(0).padStart(6)} ms  ${e.query.sql.replace(/\s+/g, ' ').slice(0, 150)}`) } })
const month = parsePeriod('2026-06', TZ)
for (let i = 0; i < 2; i++) {
  times.length = 0
  let t = performance.now()
  await buildRateReport(db as any, { period: month, by: 'agent', now: NOW })
  console.log('rates by agent', (performance.now() - t).toFixed(0)); console.log(times.join('\n'))
  times.length = 0
  t = performance.now()
  await buildServiceLevelReport(db as any, { period: month, by: 'agent', timeZone: TZ, bounds: { answerSeconds: 15, shortAbandonSeconds: 5 } })
  console.log('service level by agent', (performance.now() - t).toFixed(0)); console.log(times.join('\n'))
}
await db.destroy()
