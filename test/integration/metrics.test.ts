import { readFileSync } from 'node:fs'

import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { findAgentByJobNumber } from '../../src/agents/agents.repository.ts'
import { dialCallback } from '../../src/callbacks/dialer.ts'
import { reportWorkDone } from '../../src/callbacks/work-done.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import { answerAndPress, createdCalls, legSidOf, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { families, parsePrometheus, sample } from '../helpers/prometheus.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

/** 2026-11-23 10:00 in Shanghai: a Monday morning, inside calling hours. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const CALLER = '+8613800005555'

describe('/metrics after a call, its return call and a sweep', () => {
  let h: Harness | undefined
  afterEach(async () => {
    h?.edge.assertAllValid()
    await h?.close()
    h = undefined
  })

  const scrape = async (x: Harness) => {
    const res = await request(x.app).get('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    return res.text
  }

  it('has every family, with the figures of what happened', async () => {
    const clock = manualClock(MONDAY_10AM)
    const x = (h = await createHarness({ clock }))
    const db = x.ctx.db
    // Everyone away but agent 1001 (available) and 1002 (busy): 6 demo agents, so 4 away.
    await db.updateTable('agents').set({ presence: 'away' }).execute()
    await db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1001')
      .execute()
    await db
      .updateTable('agents')
      .set({ presence: 'busy' })
      .where('job_number', '=', '1002')
      .execute()

    // The caller picks repairs and waits: one caller in the queue, nobody in the menu or talking.
    const sid = await queuedCall(x, '1', CALLER)
    const during = parsePrometheus(await scrape(x))
    expect(sample(during, 'shouwen_calls', { state: 'waiting' })).toBe(1)
    expect(sample(during, 'shouwen_calls', { state: 'ivr' })).toBe(0)
    expect(sample(during, 'shouwen_calls', { state: 'connected' })).toBe(0)
    expect(sample(during, 'shouwen_agents', { presence: 'available' })).toBe(1)
    expect(sample(during, 'shouwen_agents', { presence: 'busy' })).toBe(1)
    expect(sample(during, 'shouwen_agents', { presence: 'away' })).toBe(4)

    // 12 s in the queue, then 1001 is rung and takes the call: one wait of 12 s, in the 15-s
    // bucket and not the 10-s one (the service level's numerator).
    clock.advance(12_000)
    await runDispatch(x.ctx)
    await answerAndPress(
      x,
      createdCalls(x).find((r) => r.data['To'] === 'client:agent-1001'),
    )
    await x.twilioPost('/voice/status', {
      CallSid: sid,
      CallStatus: 'completed',
      CallDuration: '60',
    })
    // A forged webhook: refused before any route takes it.
    expect(
      (await x.twilioPost('/voice/incoming', { CallSid: sid }, { signature: 'forged' })).status,
    ).toBe(403)

    // The owner reports the work done; the return call is due 120 s later and dialled 3 s late.
    const { reference } = await db.selectFrom('cases').select('reference').executeTakeFirstOrThrow()
    const agent = await findAgentByJobNumber(db, '1001')
    if (!agent) throw new Error('demo agent 1001 missing')
    const done = await reportWorkDone(x.ctx, agent, reference, 'Fixed the tap')
    // The record clock (place and content never filled in) is past its warning and its limit.
    await db
      .updateTable('case_deadlines')
      .set({
        warn_at: new Date(clock.now().getTime() - 2000),
        due_at: new Date(clock.now().getTime() - 1000),
      })
      .where('step', '=', 'record')
      .execute()
    await runDeadlineSweep(x.ctx)
    clock.set(new Date(done.dueAt.getTime() + 3000))
    expect(await dialCallback(x.ctx, { callbackId: done.callbackId, attempt: 1 })).toBe('dialled')
    const leg = createdCalls(x).at(-1)
    const answer = parseTwiml(
      (
        await x.twilioPost(pathOf(String(leg?.data['Url'])), {
          CallSid: legSidOf(leg),
          AnsweredBy: 'human',
        })
      ).text,
    )
    await x.twilioPost(pathOf(find(answer, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: legSidOf(leg),
      Digits: '1',
    })
    expect((await db.selectFrom('cases').select('status').executeTakeFirstOrThrow()).status).toBe(
      'closed',
    )

    // Twilio refuses one SMS (too many requests) and does not answer another.
    const sms = { to: CALLER, from: '+8657112345', body: 'hello' }
    x.edge.failNext(1, {
      statusCode: 429,
      body: { code: 20429, message: 'Too Many Requests', more_info: '', status: 429 },
    })
    await expect(x.ctx.telephony.sendSms(sms)).rejects.toThrow()
    x.edge.failNext(1, 'timeout')
    await expect(x.ctx.telephony.sendSms(sms)).rejects.toThrow()

    const text = await scrape(x)
    const after = parsePrometheus(text)
    for (const family of [
      'shouwen_webhook_duration_seconds',
      'shouwen_twilio_request_duration_seconds',
      'shouwen_twilio_request_errors_total',
      'shouwen_calls',
      'shouwen_call_legs',
      'shouwen_queue_wait_seconds',
      'shouwen_agents',
      'shouwen_callback_lateness_seconds',
      'shouwen_callback_outcomes_total',
      'shouwen_queue_jobs',
      'shouwen_clock_warnings_total',
      'shouwen_clock_breaches_total',
      'shouwen_pg_pool_connections',
      'shouwen_process_cpu_user_seconds_total',
      'shouwen_process_resident_memory_bytes',
      'shouwen_nodejs_eventloop_lag_seconds',
    ])
      expect(families(text)).toContain(family)

    // Every series the Grafana dashboard asks for is one this service exports.
    const dashboard = readFileSync(
      new URL('../../ops/grafana/shouwen.json', import.meta.url),
      'utf8',
    )
    const asked = new Set(
      [...dashboard.matchAll(/shouwen_[a-z0-9_]+/g)].map((m) =>
        m[0].replace(/_(bucket|count|sum)$/, ''),
      ),
    )
    expect(asked.size).toBeGreaterThanOrEqual(15)
    for (const name of asked) expect(families(text), name).toContain(name)

    // Labelled by route pattern: one call in, one forged post refused (unmatched, 4xx); the
    // return call's routes by their pattern (query ids are not in it).
    const webhook = 'shouwen_webhook_duration_seconds_count'
    expect(sample(after, webhook, { route: '/voice/incoming', status_class: '2xx' })).toBe(1)
    expect(sample(after, webhook, { route: '/voice (unmatched)', status_class: '4xx' })).toBe(1)
    expect(sample(after, webhook, { route: '/voice/callback/answer', status_class: '2xx' })).toBe(1)
    expect(sample(after, webhook, { route: '/voice/callback/confirm', status_class: '2xx' })).toBe(
      1,
    )
    // Two create-call requests (the offer to 1001 and the return call); the 429 by its code.
    const twilio = 'shouwen_twilio_request_duration_seconds_count'
    expect(sample(after, twilio, { endpoint: 'Calls', method: 'POST', status_class: '2xx' })).toBe(
      2,
    )
    expect(sample(after, twilio, { endpoint: 'Messages', status_class: '4xx' })).toBe(1)
    const errors = 'shouwen_twilio_request_errors_total'
    expect(sample(after, errors, { endpoint: 'Messages', code: '20429' })).toBe(1)
    expect(sample(after, errors, { endpoint: 'Messages', code: 'timeout' })).toBe(1)
    // One wait of 12 s: above the 10-s bucket, inside the 15-s one.
    const wait = { priority: 'normal' }
    expect(sample(after, 'shouwen_queue_wait_seconds_count', wait)).toBe(1)
    expect(sample(after, 'shouwen_queue_wait_seconds_sum', wait)).toBe(12)
    expect(sample(after, 'shouwen_queue_wait_seconds_bucket', { ...wait, le: '10' })).toBe(0)
    expect(sample(after, 'shouwen_queue_wait_seconds_bucket', { ...wait, le: '15' })).toBe(1)
    // Dialled 3 s after its due time: above the 2-s bucket, inside the 5-s one.
    const late = { purpose: 'confirmation' }
    expect(sample(after, 'shouwen_callback_lateness_seconds_sum', late)).toBe(3)
    expect(sample(after, 'shouwen_callback_lateness_seconds_bucket', { ...late, le: '2' })).toBe(0)
    expect(sample(after, 'shouwen_callback_lateness_seconds_bucket', { ...late, le: '5' })).toBe(1)
    expect(sample(after, 'shouwen_callback_outcomes_total', { outcome: 'confirmed' })).toBe(1)
    expect(sample(after, 'shouwen_clock_warnings_total', { step: 'record' })).toBe(1)
    expect(sample(after, 'shouwen_clock_breaches_total', { step: 'record' })).toBe(1)
    // The return call's job, scheduled 120 s ahead, is still delayed (no worker runs here).
    expect(sample(after, 'shouwen_queue_jobs', { queue: 'callbacks', state: 'delayed' })).toBe(1)
    const pool = sample(after, 'shouwen_pg_pool_connections', { state: 'total' }) ?? 0
    expect(pool).toBeGreaterThanOrEqual(1)
    // The harness's pool holds at most 20 connections.
    expect(pool).toBeLessThanOrEqual(20)
    expect(sample(after, 'shouwen_pg_pool_connections', { state: 'waiting' })).toBe(0)

    // No label carries a phone number, a SID or a case reference.
    const values = after.flatMap((s) => Object.values(s.labels))
    for (const v of values) {
      expect(v).not.toMatch(/\+?\d{7,}/)
      expect(v).not.toMatch(/\b(CA|CF|SM|AC)[0-9a-f]{32}\b/)
      expect(v).not.toContain(reference)
    }
  })

  it('answers 401 without the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'scrape-token-0123456789'
    const x = (h = await createHarness({ env: { METRICS_TOKEN: token } }))
    const none = await request(x.app).get('/metrics')
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"')
    expect(none.text).not.toContain('shouwen_')
    expect((await request(x.app).get('/metrics').set('authorization', 'Bearer wrong')).status).toBe(
      401,
    )
    expect((await request(x.app).get('/metrics').set('authorization', token)).status).toBe(401)
    const ok = await request(x.app).get('/metrics').set('authorization', `Bearer ${token}`)
    expect(ok.status).toBe(200)
    expect(families(ok.text)).toContain('shouwen_calls')
  })
})
