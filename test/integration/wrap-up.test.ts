import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import {
  answerAndPress,
  createdCalls,
  legSidOf,
  legStatus,
  queuedCall,
} from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login, requestsSince, statusOf } from '../helpers/live-call.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

// Monday 10:00 in Shanghai: every demo department is open.
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const WRAP_UP_SECONDS = 20

/** After-call work: an agent whose call ends wraps up, then is available again on their own. */
describe('wrap-up after a call', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)

  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { WRAP_UP_SECONDS: String(WRAP_UP_SECONDS) } })
    call = await liveCall(h)
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const agent1001 = () =>
    h.ctx.db
      .selectFrom('agents')
      .select(['id', 'presence', 'presence_changed_at', 'wrap_up_until'])
      .where('job_number', '=', '1001')
      .executeTakeFirstOrThrow()
  const agentLeg = () => createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
  /** The agent's leg ends, as Twilio reports it (sequence numbers after liveCall's). */
  const agentHangsUp = async () => {
    const r = await legStatus(h, agentLeg(), 'completed', 3, { CallDuration: '60' })
    expect(r.status).toBe(200)
  }
  const boardPresence = async () => {
    const r = await request(h.app)
      .get('/api/board')
      .set(await login(h, '2001'))
    expect(r.status).toBe(200)
    return (r.body.agents as { jobNumber: string; presence: string; wrapUpUntil: string | null }[])
      .filter((a) => a.jobNumber === '1001')
      .map((a) => ({ presence: a.presence, wrapUpUntil: a.wrapUpUntil }))[0]
  }

  it('wraps up for WRAP_UP_SECONDS after the call, then is available again without a restart', async () => {
    expect((await agent1001()).presence).toBe('busy')
    clock.advance(60_000)
    await agentHangsUp()
    const until = new Date(MONDAY_10AM.getTime() + 60_000 + WRAP_UP_SECONDS * 1000)
    expect(await agent1001()).toMatchObject({ presence: 'busy', wrap_up_until: until })
    expect(await boardPresence()).toEqual({ presence: 'busy', wrapUpUntil: until.toISOString() })

    // One second early the dispatcher (on its beat) leaves the agent in wrap-up.
    clock.set(new Date(until.getTime() - 1000))
    await runDispatch(h.ctx)
    expect((await agent1001()).presence).toBe('busy')

    // Once the time has passed, the next pass (or the board) finds the agent available, dated
    // when the wrap-up ended, whatever happened to timers or Redis meanwhile.
    clock.set(new Date(until.getTime() + 5000))
    await runDispatch(h.ctx)
    expect(await agent1001()).toMatchObject({
      presence: 'available',
      presence_changed_at: until,
      wrap_up_until: null,
    })
    expect(await boardPresence()).toEqual({ presence: 'available', wrapUpUntil: null })
  })

  it('does not wrap up an agent already on their next call when the first leg ends late', async () => {
    // The agent left call 1, made themselves available and took call 2; call 1's "completed"
    // arrives only now (Twilio delays and reorders status callbacks).
    const first = agentLeg()
    const me = await login(h, '1001')
    expect(
      (await request(h.app).put('/api/me/presence').set(me).send({ presence: 'available' })).status,
    ).toBe(200)
    clock.advance(30_000)
    await queuedCall(h, '1', '+8613900005678')
    await runDispatch(h.ctx)
    const second = createdCalls(h).filter((c) => c.data['To'] === 'client:agent-1001')[1]
    expect(second).toBeDefined()
    await answerAndPress(h, second)
    expect((await agent1001()).presence).toBe('busy')

    expect((await legStatus(h, first, 'completed', 3, { CallDuration: '60' })).status).toBe(200)
    expect(await agent1001()).toMatchObject({ presence: 'busy', wrap_up_until: null })
    // Long after: still busy on call 2, never offered a third call.
    clock.advance(10 * 60_000)
    await runDispatch(h.ctx)
    expect((await agent1001()).presence).toBe('busy')
  })

  it('keeps an agent who paused during wrap-up paused', async () => {
    await agentHangsUp()
    expect((await agent1001()).wrap_up_until).not.toBeNull()
    const paused = await request(h.app)
      .put('/api/me/presence')
      .set(call.auth)
      .send({ presence: 'away', reason: 'lunch' })
    expect(paused.status).toBe(200)
    clock.advance((WRAP_UP_SECONDS + 60) * 1000)
    await runDispatch(h.ctx)
    expect(await agent1001()).toMatchObject({ presence: 'away', wrap_up_until: null })
    expect((await boardPresence())?.presence).toBe('away')
  })

  it('wraps up after a warm transfer the agent bridged and left', async () => {
    const from = h.edge.requests.length
    const started = await request(h.app)
      .post(`/api/cases/${call.reference}/transfers`)
      .set(call.auth)
      .send({ department: 'engineering', note: '今天派人上门' })
    expect(started.status, JSON.stringify(started.body)).toBe(201)
    const leg = requestsSince(h, from, 'CreateCall')[0]
    await statusOf(h, leg, 'ringing', 1)
    const briefing = parseTwiml(
      (await h.twilioPost(pathOf(String(leg?.data['Url'])), { CallSid: legSidOf(leg) })).text,
    )
    await h.twilioPost(pathOf(find(briefing, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: legSidOf(leg),
      Digits: '1',
    })
    await call.conference('participant-join', legSidOf(leg))
    const bridged = await request(h.app)
      .post(`/api/transfers/${started.body.id as string}/bridge`)
      .set(call.auth)
      .send()
    expect(bridged.status).toBe(200)
    // The owner leaves the conference, then their leg ends.
    await call.conference('participant-leave', call.agentLegSid)
    await agentHangsUp()
    expect((await agent1001()).wrap_up_until).not.toBeNull()
    clock.advance((WRAP_UP_SECONDS + 1) * 1000)
    await runDispatch(h.ctx)
    expect((await agent1001()).presence).toBe('available')
  })
})
