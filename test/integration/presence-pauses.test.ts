import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

const MINUTE = 60_000

describe('presence with a pause reason', () => {
  let h: Harness
  const clock = manualClock()
  beforeEach(async () => {
    clock.set(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock })
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const roster = async () => {
    const r = await api()
      .get('/api/agents')
      .set(await login(h, '2001'))
    expect(r.status).toBe(200)
    return r.body.agents as {
      jobNumber: string
      presence: string
      presenceChangedAt: string
      pauseReason: string | null
      pauseOverLimit: boolean
    }[]
  }
  const pauseNotices = () =>
    h.ctx.db
      .selectFrom('notifications as n')
      .innerJoin('agents as a', 'a.id', 'n.agent_id')
      .select(['a.job_number', 'n.body'])
      .where('n.kind', '=', 'pause_over_limit')
      .orderBy('n.id')
      .execute()

  it('requires a reason to go away, at most 100 characters, and changes nothing otherwise', async () => {
    const me = await login(h, '1002')
    for (const body of [
      { presence: 'away' },
      { presence: 'away', reason: '  ' },
      { presence: 'away', reason: 'x'.repeat(101) },
    ]) {
      const r = await api().put('/api/me/presence').set(me).send(body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error.message).toContain('reason')
    }
    expect((await roster()).find((a) => a.jobNumber === '1002')).toMatchObject({
      presence: 'available',
      pauseReason: null,
    })
    const ok = await api()
      .put('/api/me/presence')
      .set(me)
      .send({ presence: 'away', reason: 'lunch' })
    expect(ok.body).toEqual({ presence: 'away', pauseReason: 'lunch' })
    const back = await api()
      .put('/api/me/presence')
      .set(me)
      .send({ presence: 'available', reason: 'ignored' })
    expect(back.body).toEqual({ presence: 'available', pauseReason: null })
  })

  it('flags a pause over 30 minutes to supervisors, and reports it to the duty supervisor once', async () => {
    const me = await login(h, '1002')
    await api().put('/api/me/presence').set(me).send({ presence: 'away', reason: 'lunch' })
    expect((await roster()).find((a) => a.jobNumber === '1002')).toMatchObject({
      presence: 'away',
      presenceChangedAt: '2026-11-23T02:00:00.000Z',
      pauseReason: 'lunch',
      pauseOverLimit: false,
    })

    clock.advance(30 * MINUTE)
    expect((await runDeadlineSweep(h.ctx)).pauses).toBe(0)
    clock.advance(MINUTE)
    expect((await runDeadlineSweep(h.ctx)).pauses).toBe(1)
    expect((await runDeadlineSweep(h.ctx)).pauses).toBe(0)
    clock.advance(30 * MINUTE)
    expect((await runDeadlineSweep(h.ctx)).pauses).toBe(0)
    expect(await pauseNotices()).toEqual([
      {
        job_number: '2001',
        body: 'Agent 1002 Wang Wei 王伟 has been away for 31 minutes (lunch), over the 30-minute pause limit.',
      },
    ])
    const flagged = await roster()
    expect(flagged.find((a) => a.jobNumber === '1002')?.pauseOverLimit).toBe(true)
    // Supervisors and up away without a reason (not on the queue) are not pauses.
    expect(flagged.filter((a) => a.pauseOverLimit).map((a) => a.jobNumber)).toEqual(['1002'])

    // Back, then a new pause: reported again once it runs long.
    await api().put('/api/me/presence').set(me).send({ presence: 'available' })
    expect((await roster()).find((a) => a.jobNumber === '1002')?.pauseOverLimit).toBe(false)
    await api().put('/api/me/presence').set(me).send({ presence: 'away', reason: 'training' })
    clock.advance(45 * MINUTE)
    expect((await runDeadlineSweep(h.ctx)).pauses).toBe(1)
    expect((await pauseNotices()).map((n) => n.body)).toEqual([
      expect.stringContaining('(lunch)'),
      expect.stringContaining('away for 45 minutes (training)'),
    ])
  })

  it('lists agents for supervisors only', async () => {
    expect(
      (
        await api()
          .get('/api/agents')
          .set(await login(h, '1001'))
      ).status,
    ).toBe(403)
  })
})
