import { sql } from 'kysely'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { oldestPoolWaitMs } from '../../src/db/database.ts'
import { callIn } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, ZH_HOTLINE } from '../helpers/harness.ts'
import { until } from '../helpers/service.ts'

const POOL = 20 // the harness's pool size

/**
 * SHED_NEW_CALLS_AFTER_MS: while every pooled connection is busy and the oldest waiter has
 * waited that long, a new call is answered 503 at once (Twilio's fallback URL takes it) and
 * nothing is written; the calls in progress keep their webhooks, and /readyz stays ready so the
 * balancer does not move this instance's calls onto the others.
 */
describe('shedding new calls while the process is behind', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it('turns a new call away, keeps the hold loop and readiness, and takes calls again after', async () => {
    h = await createHarness({ env: { SHED_NEW_CALLS_AFTER_MS: '300' } })
    const { ctx } = h
    // As a balancer would have: the instance was checked before it got busy.
    expect((await request(h.app).get('/readyz')).status).toBe(200)

    // Every connection busy with statements (as on a saturated instance) until the gate opens.
    let opened = false
    const open = () => (opened = true)
    const holders = Array.from({ length: POOL }, () =>
      ctx.db.connection().execute(async (c) => {
        while (!opened) {
          await sql`select 1`.execute(c)
          await new Promise((r) => setTimeout(r, 100))
        }
      }),
    )
    const waiter = sql`select 1`.execute(ctx.db)
    await until(
      'a statement waiting 300 ms for a connection',
      () => oldestPoolWaitMs(ctx.db) >= 300,
    )

    const sid = callSid()
    const shed = await h.twilioPost('/voice/incoming', {
      CallSid: sid,
      From: '+8613500000088',
      To: ZH_HOTLINE,
    })
    expect(shed.status).toBe(503)
    expect(shed.text).toMatch(/<Response><Say[^>]*>[^<]+<\/Say><Hangup\/><\/Response>$/)
    // A waiting caller's hold music needs no connection and is still served.
    expect((await h.twilioPost('/voice/hold?lang=zh-CN', { CallSid: callSid() })).status).toBe(200)
    const t0 = Date.now()
    const ready = await request(h.app).get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body.checks.postgres).toBe('ok')
    // Postgres's answer did not wait for the pool (the beats part may wait up to its 2 s).
    expect(Date.now() - t0).toBeLessThan(4000)

    open()
    await Promise.all([...holders, waiter])
    expect(oldestPoolWaitMs(ctx.db)).toBe(0)
    // Nothing was written for the call turned away.
    const rows = await ctx.db
      .selectFrom('calls')
      .select('call_sid')
      .where('call_sid', '=', sid)
      .execute()
    expect(rows).toEqual([])
    // (Scraped now: the other gauges read Postgres, and would have waited for the pool too.)
    const metrics = await request(h.app).get('/metrics')
    expect(metrics.text).toMatch(/^shouwen_calls_shed_total 1$/m)
    // Near zero: the scrape's own gauges ask the pool for connections as it is read.
    const oldest = /^shouwen_pg_pool_oldest_wait_seconds (\S+)$/m.exec(metrics.text)
    expect(Number(oldest?.[1])).toBeLessThan(0.1)
    // The next call is taken as usual.
    const { menu } = await callIn(h, { from: '+8613500000088' })
    expect(JSON.stringify(menu)).toContain('Gather')
  })
})
