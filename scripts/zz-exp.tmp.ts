import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { buildRateReport } from '../src/rates/rate-report.ts'
import { buildServiceLevelReport } from '../src/rates/service-level-report.ts'
import { parsePeriod } from '../src/domain/periods.ts'
import { NOW, TZ } from '../bench/volume-load.ts'
const n = process.argv[2] ?? '1000000'
const url = `postgres://postgres@127.0.0.1:5432/shouwen_bench_volume_${n}`
const pool = new pg.Pool({ connectionString: url, max: 10 })
const qs: { sql: string; params: readonly unknown[]; ms: number }[] = []
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log(e) { if (e.level === 'query') qs.push({ sql: e.query.sql, params: e.query.parameters, ms: e.queryDurationMillis }) } })
const month = parsePeriod('2026-06', TZ)
await buildRateReport(db as any, { period: month, by: 'agent', now: NOW })
await buildServiceLevelReport(db as any, { period: month, by: 'agent', timeZone: TZ, bounds: { answerSeconds: 15, shortAbandonSeconds: 5 } })
const c = new pg.Client({ connectionString: url }); await c.connect()
await c.query("set work_mem = '64MB'")
for (const q of qs.filter((q) => q.ms > 40)) {
  const r = await c.query(`explain (analyze, buffers) ${q.sql}`, q.params as unknown[])
  console.log('=====', q.ms.toFixed(0), 'ms', q.sql.replace(/\s+/g, ' ').slice(0, 100))
  console.log(r.rows.map((x) => x['QUERY PLAN']).filter((l: string) => /Scan|Execution|Buffers: shared|Heap Fetches|rows=/.test(l)).slice(0, 30).join('\n'))
}
await c.end(); await db.destroy()
