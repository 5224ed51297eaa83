import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { parsePeriod } from '../../src/domain/periods.ts'
import type { ServiceLevelDimension } from '../../src/domain/service-level.ts'
import type { ServiceLevelGroup } from '../../src/rates/service-level-report.ts'
import { buildServiceLevelReport } from '../../src/rates/service-level-report.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import { seededRandom } from '../helpers/seeded-random.ts'

const SH = 'Asia/Shanghai'
const BOUNDS = { answerSeconds: 15, shortAbandonSeconds: 5 }
const START = new Date('2026-11-02T01:00:00Z')

/** percentile_disc(0.9) of the waits rounded to 0.1 s: the first at or past 90 % of them. */
function p90(waits: number[]): number | null {
  if (waits.length === 0) return null
  const sorted = waits.map((w) => Math.floor(w * 10 + 0.5) / 10).sort((a, b) => a - b)
  return sorted[Math.ceil(sorted.length * 0.9) - 1] ?? null
}

/**
 * The p90 wait is worked out two ways (service-level.repository.ts): from per-tenth counts for
 * a few groups (hotline, day, hour), sorted per agent by percentile_disc for many. Both must give
 * the figure this file computes from the same waits, and the same total row.
 */
describe('the p90 wait, by few groups and by agent', () => {
  let h: Harness
  const waits = new Map<string, number[]>()
  const all: number[] = []
  const report = (by: ServiceLevelDimension) =>
    buildServiceLevelReport(h.ctx.db, {
      period: parsePeriod('2026-11', SH),
      by,
      timeZone: SH,
      bounds: BOUNDS,
    })

  beforeAll(async () => {
    h = await createHarness({ clock: manualClock(new Date('2026-12-02T01:00:00Z')) })
    const agents = await h.ctx.db.selectFrom('agents').select(['id', 'job_number']).execute()
    const next = seededRandom(12345)
    const rows = []
    for (let i = 0; i < 400; i++) {
      const agent = agents[i % Math.min(agents.length, 7)]
      if (!agent) throw new Error('the demo directory has no agents')
      // Waits in milliseconds up to two minutes, some on a tenth's half (x.x5: rounds up).
      const wait = i % 10 === 0 ? Math.floor(next() * 1200) / 10 + 0.05 : next() * 120
      const queued = new Date(START.getTime() + i * 60_000)
      const answered = new Date(queued.getTime() + Math.round(wait * 1000))
      const w = (answered.getTime() - queued.getTime()) / 1000
      waits.set(agent.job_number, [...(waits.get(agent.job_number) ?? []), w])
      all.push(w)
      rows.push({
        call_sid: callSid(),
        direction: 'inbound' as const,
        kind: 'caller' as const,
        hotline_number: ZH_HOTLINE,
        from_number: '+8613900001111',
        to_number: ZH_HOTLINE,
        language: 'zh-CN' as const,
        digits: '[]',
        ivr_state: '{}',
        status: 'completed',
        status_rank: 4,
        queue_state: 'ended' as const,
        enqueued_at: queued,
        first_enqueued_at: queued,
        answered_by_agent_id: agent.id,
        answered_at: answered,
        first_answered_by_agent_id: agent.id,
        first_answered_at: answered,
        started_at: queued,
        ended_at: new Date(answered.getTime() + 60_000),
      })
    }
    await h.ctx.db.insertInto('calls').values(rows).execute()
  })

  afterAll(async () => {
    await h?.close()
  })

  const p90s = (groups: ServiceLevelGroup[]) =>
    Object.fromEntries(groups.map((g) => [g.code, g.waitP90Seconds]))

  it('gives each agent the percentile of their own waits', async () => {
    const r = await report('agent')
    const expected = Object.fromEntries([...waits].map(([job, w]) => [job, p90(w)]))
    expect(Object.keys(expected).length).toBeGreaterThan(1)
    expect(p90s(r.groups)).toEqual(expected)
    expect(r.total.waitP90Seconds).toBe(p90(all))
  })

  it('gives the same total row whichever way it groups', async () => {
    const [byAgent, byHotline, byDay, byHour] = await Promise.all([
      report('agent'),
      report('hotline'),
      report('day'),
      report('hour'),
    ])
    expect(byHotline.total.waitP90Seconds).toBe(p90(all))
    for (const other of [byHotline, byDay, byHour]) {
      const { label: _a, ...total } = other.total
      const {
        label: _b,
        answered: _c,
        handleAvgSeconds: _d,
        missedOffers: _e,
        ...agentTotal
      } = byAgent.total
      expect(agentTotal).toMatchObject(total)
    }
    expect(p90s(byHotline.groups)).toEqual({ [ZH_HOTLINE]: p90(all) })
  })
})
