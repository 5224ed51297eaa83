import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { DEFAULT_RATE_TARGETS } from '../../src/domain/rate-targets.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)
const NOW = sh('2026-12-02 12:00')

describe('the rates targets as data (GET/PUT /api/admin/rate-targets)', () => {
  let h: Harness
  const tokens: Record<string, string> = {}
  const as = (job: string) => ({ Authorization: `Bearer ${tokens[job]}` })
  const audit = () =>
    h.ctx.db
      .selectFrom('admin_events')
      .select(['entity', 'entity_key', 'action', 'before', 'after'])
      .where('entity', '=', 'rate_target')
      .orderBy('id')
      .execute()
  const satisfaction = async (): Promise<unknown> => {
    const res = await request(h.app).get('/api/rates?period=2026-11').set(as('2001'))
    const groups = res.body.groups as { rates: { satisfaction: unknown } }[]
    return groups[0]?.rates.satisfaction
  }

  beforeAll(async () => {
    h = await createHarness({ clock: manualClock(NOW) })
    for (const job of ['1001', '2001', '3001', '9001']) {
      const res = await request(h.app)
        .post('/api/auth/login')
        .send({ jobNumber: job, password: DEMO_PASSWORD })
      tokens[job] = res.body.token as string
    }
    // Two return calls answered in November: a "1" rated 5 and a "2": satisfaction 1/2 = 50 %.
    const kase = await h.ctx.db
      .insertInto('cases')
      .values({
        reference: 'HL-20261110-0001',
        hotline_number: null,
        caller_id: null,
        category_id: null,
        first_owner_id: null,
        first_owned_at: null,
        assignee_agent_id: null,
        assignee_department_id: null,
        place: null,
        content: null,
        contact_name: null,
        contact_phone: null,
        promised_reply_at: null,
        closed_at: null,
        created_at: sh('2026-11-10 09:00'),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const [outcome, rating, day] of [
      ['confirmed', 5, '11-12'],
      ['rework', null, '11-11'],
    ] as const) {
      const cb = await h.ctx.db
        .insertInto('callbacks')
        .values({
          case_id: kase.id,
          purpose: 'confirmation',
          due_at: NOW,
          status: 'done',
          outcome,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const at = sh(`2026-${day} 10:00`)
      await h.ctx.db
        .insertInto('callback_attempts')
        .values({
          callback_id: cb.id,
          attempt: 1,
          call_sid: null,
          started_at: at,
          answered_at: at,
          ended_at: at,
          outcome,
          rating,
        })
        .execute()
    }
  })
  afterAll(async () => {
    await h.close()
  })

  it('lets supervisors, managers and administrators read them, not agents', async () => {
    for (const job of ['2001', '3001', '9001']) {
      const res = await request(h.app).get('/api/admin/rate-targets').set(as(job))
      expect(res.status).toBe(200)
      expect(res.body.targets).toEqual(DEFAULT_RATE_TARGETS)
    }
    expect((await request(h.app).get('/api/admin/rate-targets').set(as('1001'))).status).toBe(403)
  })

  it('refuses a change by anyone but an administrator, and changes nothing', async () => {
    const body = { satisfaction: { value: 0.5, comparison: 'gt' } }
    for (const job of ['1001', '2001', '3001']) {
      const res = await request(h.app).put('/api/admin/rate-targets').set(as(job)).send(body)
      expect(res.status).toBe(403)
    }
    expect(await audit()).toEqual([])
    expect(await satisfaction()).toMatchObject({ meetsTarget: false }) // 50 % is not > 98 %
  })

  it('says what is wrong with a bad value, and changes nothing', async () => {
    const bad = [
      {},
      { satisfaction: { value: 1.5, comparison: 'gt' } },
      { satisfaction: { value: -0.1, comparison: 'gt' } },
      { satisfaction: { value: '0.9', comparison: 'gt' } },
      { satisfaction: { value: 0.9, comparison: 'lt' } },
      { satisfaction: { value: 0.9 } },
      { satisfaction: { value: 0.123456, comparison: 'gt' } },
      { speed: { value: 0.9, comparison: 'gt' } },
      { satisfaction: { value: 0.9, comparison: 'gt', note: 'x' } },
    ]
    for (const body of bad) {
      const res = await request(h.app).put('/api/admin/rate-targets').set(as('9001')).send(body)
      expect(res.status).toBe(400)
      expect(typeof res.body.error.message).toBe('string')
    }
    const bad1 = await request(h.app)
      .put('/api/admin/rate-targets')
      .set(as('9001'))
      .send({ satisfaction: { value: 1.5, comparison: 'gt' } })
    expect(bad1.body.error.message).toMatch(/fraction from 0 to 1/)
    expect(await audit()).toEqual([])
    const res = await request(h.app).get('/api/admin/rate-targets').set(as('9001'))
    expect(res.body.targets).toEqual(DEFAULT_RATE_TARGETS)
  })

  it('changes a target, audits it, and the report judges against it ("> x" strictly)', async () => {
    const res = await request(h.app)
      .put('/api/admin/rate-targets')
      .set(as('9001'))
      .send({
        satisfaction: { value: 0.5, comparison: 'gt' },
        // the same as before: no change, no audit row
        timeliness: { value: 1, comparison: 'gte' },
      })
    expect(res.status).toBe(200)
    expect(res.body.changed).toEqual(['satisfaction'])
    expect(res.body.targets.satisfaction).toEqual({ value: 0.5, comparison: 'gt' })
    expect(await audit()).toEqual([
      {
        entity: 'rate_target',
        entity_key: 'satisfaction',
        action: 'updated',
        before: { value: 0.98, comparison: 'gt' },
        after: { value: 0.5, comparison: 'gt' },
      },
    ])
    // 1 of 2 is exactly 50 %: not more than 50 %.
    expect(await satisfaction()).toMatchObject({ numerator: 1, denominator: 2, meetsTarget: false })
    await request(h.app)
      .put('/api/admin/rate-targets')
      .set(as('9001'))
      .send({ satisfaction: { value: 0.5, comparison: 'gte' } })
      .expect(200)
    // At least 50 %: met.
    expect(await satisfaction()).toMatchObject({ meetsTarget: true })
    const report = await request(h.app).get('/api/rates?period=2026-11').set(as('2001'))
    expect(report.body.targets.satisfaction).toEqual({ value: 0.5, comparison: 'gte' })

    const changes = await request(h.app)
      .get('/api/admin/changes?entity=rate_target')
      .set(as('2001'))
    expect(changes.status).toBe(200)
    expect(changes.body.changes).toHaveLength(2)
    expect(changes.body.changes[0]).toMatchObject({ entityKey: 'satisfaction', action: 'updated' })
  })
})
