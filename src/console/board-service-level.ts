import type { Clock } from '../calls/deps.ts'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { periodOf } from '../domain/periods.ts'
import { buildServiceLevelReport } from '../rates/service-level-report.ts'

/**
 * The board's "today so far": the service level of calls that entered the queue since local
 * midnight, by the same query and definitions as GET /api/rates/service-level?period=<today>.
 */
export async function todayServiceLevel(deps: {
  db: Db
  clock: Clock
  config: Pick<Config, 'timeZone' | 'serviceLevel'>
}) {
  const day = periodOf('day', deps.clock.now(), deps.config.timeZone)
  const { total } = await buildServiceLevelReport(deps.db, {
    period: day,
    by: 'hotline',
    timeZone: deps.config.timeZone,
    bounds: deps.config.serviceLevel,
  })
  return {
    day: day.label,
    answerSeconds: deps.config.serviceLevel.answerSeconds,
    offered: total.offered,
    answeredWithin: total.answeredWithin,
    serviceLevel: total.serviceLevel,
    abandoned: total.abandoned,
    abandonedShort: total.abandonedShort,
    waitAvgSeconds: total.waitAvgSeconds,
    waitMaxSeconds: total.waitMaxSeconds,
  }
}
