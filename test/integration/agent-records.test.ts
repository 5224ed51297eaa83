import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { insertCase } from '../../src/cases/cases.repository.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

describe('praise and violation records per agent', () => {
  let h: Harness
  const clock = manualClock(new Date('2026-11-23T02:00:00Z'))
  const reference = 'HL-20261123-0077'
  let as: Record<string, { Authorization: string }> = {}
  beforeAll(async () => {
    h = await createHarness({ clock })
    await insertCase(h.ctx.db, {
      reference,
      hotlineNumber: ZH_HOTLINE,
      callerId: null,
      categoryId: null,
      urgency: 'normal',
      at: clock.now(),
    })
    await logIn()
  })
  // Sessions run on the test clock: log in again after moving it days ahead.
  const logIn = async () => {
    as = Object.fromEntries(
      await Promise.all(
        ['1001', '1002', '2001', '3001'].map(async (j) => [j, await login(h, j)] as const),
      ),
    )
  }
  afterAll(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const rows = () => h.ctx.db.selectFrom('agent_records').selectAll().execute()

  it('lets supervisors record praise and violations, telling the agent', async () => {
    const praise = await api()
      .post('/api/agents/1002/records')
      .set(as['2001']!)
      .send({ kind: 'praise', caseReference: reference, note: 'Caller wrote to thank Wang Wei.' })
    expect(praise.status).toBe(201)
    expect(praise.body.record).toMatchObject({
      agent: '1002',
      kind: 'praise',
      caseReference: reference,
      recordedBy: '2001',
      recordedAt: '2026-11-23T02:00:00.000Z',
    })
    clock.advance(60_000)
    const violation = await api()
      .post('/api/agents/1002/records')
      .set(as['3001']!)
      .send({ kind: 'violation', note: 'Told a caller "not my job".' })
    expect(violation.status).toBe(201)
    expect(violation.body.record.caseReference).toBeNull()
    const told = await api().get('/api/notifications').set(as['1002']!)
    expect((told.body.notifications as { kind: string }[]).map((n) => n.kind)).toEqual([
      'record_violation',
      'record_praise',
    ])

    // December: a record outside November, counted only there.
    clock.set(new Date('2026-11-30T16:30:00Z')) // 00:30 on 1 December in Shanghai
    await logIn()
    await api()
      .post('/api/agents/1001/records')
      .set(as['2001']!)
      .send({ kind: 'praise', note: 'Stayed late for an emergency.' })
  })

  it('shows an agent their own records, and supervisors anyone’s', async () => {
    const own = await api().get('/api/agents/1002/records').set(as['1002']!)
    expect(own.status).toBe(200)
    expect((own.body.records as { kind: string }[]).map((r) => r.kind)).toEqual([
      'violation',
      'praise',
    ])
    expect((await api().get('/api/agents/1002/records').set(as['1001']!)).status).toBe(403)
    const sup = await api().get('/api/agents/1001/records?month=2026-11').set(as['2001']!)
    expect(sup.body.records).toEqual([])
    const dec = await api().get('/api/agents/1001/records?month=2026-12').set(as['2001']!)
    expect(dec.body.records).toHaveLength(1)
    expect((await api().get('/api/agents/7777/records').set(as['2001']!)).status).toBe(404)
  })

  it('counts records per agent for a month, for supervisors only', async () => {
    const nov = await api().get('/api/records?month=2026-11').set(as['2001']!)
    expect(nov.status).toBe(200)
    expect(nov.body.month).toBe('2026-11')
    const by = Object.fromEntries(
      (nov.body.agents as { jobNumber: string; praise: number; violation: number }[]).map((a) => [
        a.jobNumber,
        [a.praise, a.violation],
      ]),
    )
    expect(by).toEqual({
      '1001': [0, 0],
      '1002': [1, 1],
      '1003': [0, 0],
      '2001': [0, 0],
      '3001': [0, 0],
      '9001': [0, 0],
    })
    const dec = await api().get('/api/records?month=2026-12').set(as['2001']!)
    expect(
      (dec.body.agents as { jobNumber: string; praise: number }[]).find(
        (a) => a.jobNumber === '1001',
      )?.praise,
    ).toBe(1)
    expect((await api().get('/api/records?month=2026-11').set(as['1002']!)).status).toBe(403)
    expect((await api().get('/api/records').set(as['2001']!)).status).toBe(400)
  })

  it('refuses bad input with a clear error and records nothing', async () => {
    const before = await rows()
    const cases: [string, { Authorization: string }, object, number][] = [
      ['1002', as['1001']!, { kind: 'praise', note: 'Great work' }, 403],
      ['1002', as['2001']!, { kind: 'medal', note: 'Great work' }, 400],
      ['1002', as['2001']!, { kind: 'praise', note: '' }, 400],
      ['1002', as['2001']!, { kind: 'praise', note: 'Great work', extra: true }, 400],
      ['1002', as['2001']!, { kind: 'praise', note: 'Great work', caseReference: 'nope' }, 400],
      [
        '1002',
        as['2001']!,
        { kind: 'praise', note: 'Great work', caseReference: 'HL-20261123-9999' },
        400,
      ],
      ['7777', as['2001']!, { kind: 'praise', note: 'Great work' }, 404],
      ['2001', as['2001']!, { kind: 'praise', note: 'I did well' }, 403],
    ]
    for (const [job, who, body, status] of cases) {
      const r = await api().post(`/api/agents/${job}/records`).set(who).send(body)
      expect(r.status, JSON.stringify(body)).toBe(status)
      expect(r.body.error.message).toBeTruthy()
    }
    expect(await rows()).toEqual(before)
  })

  it('keeps records append-only', async () => {
    await expect(h.ctx.db.deleteFrom('agent_records').execute()).rejects.toThrow(/append-only/)
    await expect(
      h.ctx.db.updateTable('agent_records').set({ note: 'rewritten' }).execute(),
    ).rejects.toThrow(/append-only/)
  })
})
