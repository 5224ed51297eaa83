import { afterEach, describe, expect, it } from 'vitest'

import { createLogger } from '../../src/logger.ts'
import { callIn } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

interface LogLine {
  level: number
  msg: string
  [k: string]: unknown
}

const CALLER = '+8613500000077'

/** SLOW_WEBHOOK_MS: a slow webhook is logged with where its time went, and nothing else is. */
describe('the slow-webhook log', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })
  async function withThreshold(ms: string) {
    const lines: LogLine[] = []
    const logger = createLogger({
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
    })
    h = await createHarness({ logger, env: { SLOW_WEBHOOK_MS: ms } })
    return { h, slow: () => lines.filter((l) => l.msg === 'slow webhook') }
  }

  it('splits a slow menu choice into Postgres, Redis and the rest, without the caller', async () => {
    // 1 ms: every webhook that touches Postgres is "slow".
    const { h, slow } = await withThreshold('1')
    const { sid, action } = await callIn(h, { from: CALLER })
    const res = await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    expect(res.status).toBe(200)
    const menu = slow().find((l) => l['route'] === '/voice/menu')
    expect(menu).toBeDefined()
    const m = menu as Record<string, number>
    // The choice opens the case in a transaction (several statements) and asks for a dispatch.
    expect(m['queries']).toBeGreaterThanOrEqual(3)
    expect(m['dbMs']).toBeGreaterThan(0)
    expect(m['redisMs']).toBeGreaterThan(0)
    expect(m['twilioMs']).toBe(0)
    expect(m['dbMs']).toBeLessThanOrEqual(m['ms'] as number)
    expect(m['otherMs']).toBeGreaterThanOrEqual(0)
    expect(m['cpuMs']).toBeGreaterThan(0)
    expect(m['slowestQueryMs']).toBeGreaterThan(0)
    expect(m['slowestQueryMs']).toBeLessThanOrEqual(m['dbMs'] as number)
    expect(menu?.['slowestQuery']).toMatch(/^(select|insert|update|with|begin|commit)\b/i)
    expect(menu?.['status']).toBe(200)
    expect(menu?.level).toBe(40)
    const all = JSON.stringify(slow())
    expect(all).not.toContain(CALLER.slice(1))
    expect(all).not.toContain(sid)
  })

  it('logs nothing when SLOW_WEBHOOK_MS is 0', async () => {
    const { h, slow } = await withThreshold('0')
    const { sid, action } = await callIn(h, { from: CALLER })
    await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    expect(slow()).toEqual([])
  })
})
