import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { answerAndPress, createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

/** Monday 23 November 2026, 10:00 in Shanghai. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
/** Friday 27 November 2026, 16:00 in Shanghai: two working hours before the end of the day. */
const FRIDAY_4PM = new Date('2026-11-27T08:00:00Z')

describe('severity variants: the resolution limit follows the case’s category and variant', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    await h.close()
  })

  const api = () => request(h.app)
  async function as(jobNumber: string) {
    const r = await api().post('/api/auth/login').send({ jobNumber, password: DEMO_PASSWORD })
    return { Authorization: `Bearer ${r.body.token}` }
  }
  const resolution = async (reference: string) =>
    h.ctx.db
      .selectFrom('case_deadlines')
      .innerJoin('cases', 'cases.id', 'case_deadlines.case_id')
      .select(['case_deadlines.started_at', 'case_deadlines.due_at'])
      .where('cases.reference', '=', reference)
      .where('case_deadlines.step', '=', 'resolution')
      .executeTakeFirstOrThrow()
  const events = (reference: string, type: string) =>
    h.ctx.db
      .selectFrom('case_events')
      .innerJoin('cases', 'cases.id', 'case_events.case_id')
      .select(['case_events.data'])
      .where('cases.reference', '=', reference)
      .where('case_events.type', '=', type)
      .execute()

  /** A repair call (menu 1) answered by 1001 at `at`; its reference. */
  async function repairCaseAnsweredBy1001(at: Date): Promise<string> {
    clock.set(at)
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await queuedCall(h, '1')
    await runDispatch(h.ctx)
    await answerAndPress(h, createdCalls(h)[0])
    const c = await h.ctx.db.selectFrom('cases').select('reference').executeTakeFirstOrThrow()
    return c.reference
  }

  it('gives a simple repair half a working day, across the end of the day and a holiday', async () => {
    // Working hours as configured by default: one stretch, 09:00-18:00, no lunch break.
    clock.set(FRIDAY_4PM)
    h = await createHarness({ clock })
    const admin = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '9001')
      .executeTakeFirstOrThrow()
    await h.ctx.db
      .insertInto('calendar_overrides')
      .values({ date: '2026-11-30', kind: 'holiday', note: 'site closed', created_by: admin.id })
      .execute()
    await h.ctx.limitSettings.load()
    const ref = await repairCaseAnsweredBy1001(FRIDAY_4PM)
    const auth = await as('1001')
    // The IVR's repair is "other repairs" by default: 7 working days.
    expect((await resolution(ref)).due_at.toISOString()).toBe('2026-12-09T08:00:00.000Z')

    clock.set(new Date(FRIDAY_4PM.getTime() + 5 * 60_000))
    const r = await api().patch(`/api/cases/${ref}`).set(auth).send({ variant: 'simple' })
    expect(r.status).toBe(200)
    expect(r.body.case).toMatchObject({ categoryCode: 'repair', variant: 'simple' })
    // Half of the 9-hour day (09:00-18:00, no break) is 270 min: Friday 16:00-18:00 is 120,
    // Monday 30th is a holiday, Tuesday 09:00-11:30 the other 150 (03:30 UTC).
    const d = await resolution(ref)
    expect(d.started_at.toISOString()).toBe(FRIDAY_4PM.toISOString())
    expect(d.due_at.toISOString()).toBe('2026-12-01T03:30:00.000Z')
    expect((await events(ref, 'resolution_replanned')).map((e) => e.data)).toEqual([
      {
        before: { category: 'repair', variant: null, dueAt: '2026-12-09T08:00:00.000Z' },
        after: { category: 'repair', variant: 'simple', dueAt: '2026-12-01T03:30:00.000Z' },
        policy: '#26 简易维修项目，不超过半天',
      },
    ])
  })

  it('gives a simple repair half a working day across a holiday and a lunch hour', async () => {
    // With lunch 12:00-13:00 the day is 480 min, half of it 240. Friday 17:30: 30 min on
    // Friday, Monday a holiday, Tuesday 09:00-12:00 (180 min), lunch, then the last 30 min:
    // due Tuesday 13:30, not 12:30.
    const friday530pm = new Date('2026-11-27T09:30:00Z')
    clock.set(friday530pm)
    h = await createHarness({ clock, env: { WORKING_BREAKS: '12:00-13:00' } })
    const admin = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '9001')
      .executeTakeFirstOrThrow()
    await h.ctx.db
      .insertInto('calendar_overrides')
      .values({ date: '2026-11-30', kind: 'holiday', note: 'site closed', created_by: admin.id })
      .execute()
    await h.ctx.limitSettings.load()
    const ref = await repairCaseAnsweredBy1001(friday530pm)
    const r = await api()
      .patch(`/api/cases/${ref}`)
      .set(await as('1001'))
      .send({ variant: 'simple' })
    expect(r.status).toBe(200)
    expect((await resolution(ref)).due_at.toISOString()).toBe('2026-12-01T05:30:00.000Z')
  })

  it('gives half of a 7.5-hour day with WORKING_HOURS in the list form, skipping lunch', async () => {
    // 09:00-12:00,13:30-18:00 works 180 + 270 = 450 minutes; half is 225. From Friday 11:00:
    // 60 min to lunch, then 165 from 13:30: due Friday 16:15 (08:15 UTC), the same day.
    const friday11am = new Date('2026-11-27T03:00:00Z')
    clock.set(friday11am)
    h = await createHarness({ clock, env: { WORKING_HOURS: '09:00-12:00,13:30-18:00' } })
    const ref = await repairCaseAnsweredBy1001(friday11am)
    const r = await api()
      .patch(`/api/cases/${ref}`)
      .set(await as('1001'))
      .send({ variant: 'simple' })
    expect(r.status).toBe(200)
    expect((await resolution(ref)).due_at.toISOString()).toBe('2026-11-27T08:15:00.000Z')
  })

  it('re-plans from the case’s start when the category changes: a serious complaint has 2 days', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const ref = await repairCaseAnsweredBy1001(MONDAY_10AM)
    const auth = await as('1001')
    clock.set(new Date(MONDAY_10AM.getTime() + 60 * 60_000))

    const r = await api()
      .patch(`/api/cases/${ref}`)
      .set(auth)
      .send({ category: 'complaint', variant: 'serious' })
    expect(r.status).toBe(200)
    // Two calendar days from the call, at the same local time: Wednesday 10:00.
    expect((await resolution(ref)).due_at.toISOString()).toBe('2026-11-25T02:00:00.000Z')
    const [replanned] = await events(ref, 'resolution_replanned')
    expect(replanned?.data).toMatchObject({
      before: { category: 'repair', variant: null, dueAt: '2026-12-02T02:00:00.000Z' },
      after: { category: 'complaint', variant: 'serious', dueAt: '2026-11-25T02:00:00.000Z' },
    })

    // An ordinary complaint after all: half a working day (270 of the default 540 working
    // minutes) from the call at Monday 10:00: 14:30, 06:30 UTC.
    await api().patch(`/api/cases/${ref}`).set(auth).send({ variant: 'ordinary' })
    expect((await resolution(ref)).due_at.toISOString()).toBe('2026-11-23T06:30:00.000Z')
    expect(await events(ref, 'resolution_replanned')).toHaveLength(2)
  })

  it('refuses a variant its category does not have, and changes nothing', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const ref = await repairCaseAnsweredBy1001(MONDAY_10AM)
    const auth = await as('1001')
    const before = await resolution(ref)

    const wrong = await api().patch(`/api/cases/${ref}`).set(auth).send({ variant: 'serious' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.message).toContain('not a variant of repair')
    expect(wrong.body.error.message).toContain('simple')
    const bad = await api().patch(`/api/cases/${ref}`).set(auth).send({ variant: 'In Home' })
    expect(bad.status).toBe(400)
    const mixed = await api()
      .patch(`/api/cases/${ref}`)
      .set(auth)
      .send({ category: 'inquiry', variant: 'simple' })
    expect(mixed.status).toBe(400)

    const row = await h.ctx.db
      .selectFrom('cases')
      .innerJoin('categories', 'categories.id', 'cases.category_id')
      .select(['categories.code', 'cases.variant'])
      .where('reference', '=', ref)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ code: 'repair', variant: null })
    expect(await resolution(ref)).toEqual(before)
    expect(await events(ref, 'resolution_replanned')).toEqual([])
    expect(await events(ref, 'case_updated')).toEqual([])
  })

  it('lists each category’s variants, which administrators edit with an audit trail', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const agent = await as('1001')
    const admin = await as('9001')

    const list = await api().get('/api/categories').set(agent)
    const categories = list.body.categories as { code: string; variants: { code: string }[] }[]
    const repair = categories.find((c) => c.code === 'repair')
    expect(repair?.variants.map((v) => v.code)).toEqual([
      'in_home',
      'common_area',
      'common_area_urgent',
      'simple',
    ])
    expect(repair?.variants[0]).toEqual({
      code: 'in_home',
      nameZh: '户内维修',
      nameEn: 'other in-home repair',
      isDefault: true,
    })

    const body = { nameZh: '门锁', nameEn: 'lock change', isDefault: true }
    const path = '/api/admin/categories/repair/variants/lock'
    expect((await api().put(path).set(agent).send(body)).status).toBe(403)
    expect(
      (
        await api()
          .put(path)
          .set(admin)
          .send({ ...body, isDefault: 'yes' })
      ).status,
    ).toBe(400)
    expect(
      (await api().put('/api/admin/categories/nope/variants/x1').set(admin).send(body)).status,
    ).toBe(404)
    const created = await api().put(path).set(admin).send(body)
    expect([created.status, created.body.result]).toEqual([201, 'created'])
    const again = await api().put(path).set(admin).send(body)
    expect([again.status, again.body.result]).toEqual([200, 'unchanged'])

    // One default per category: the new one took the mark from in_home.
    const variants = (await api().get('/api/admin/categories/repair/variants').set(admin)).body
      .variants as { code: string; isDefault: boolean }[]
    expect(variants.filter((v) => v.isDefault).map((v) => v.code)).toEqual(['lock'])
    const audit = await h.ctx.db
      .selectFrom('admin_events')
      .select(['entity_key', 'action', 'before', 'after'])
      .where('entity', '=', 'category_variant')
      .orderBy('id')
      .execute()
    expect(audit.map((a) => [a.entity_key, a.action])).toEqual([
      ['repair:in_home', 'updated'],
      ['repair:lock', 'created'],
    ])
    expect(audit[1]?.after).toEqual({ code: 'lock', ...body })
    const changes = await api().get('/api/admin/changes?entity=category_variant').set(admin)
    expect(changes.body.changes).toHaveLength(2)

    // A variant an open case uses stays until the case moves to another one.
    const ref = await repairCaseAnsweredBy1001(MONDAY_10AM)
    await api().patch(`/api/cases/${ref}`).set(agent).send({ variant: 'lock' })
    const refused = await api().delete(path).set(admin)
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toContain(ref)
    await api().patch(`/api/cases/${ref}`).set(agent).send({ variant: 'simple' })
    expect((await api().delete(path).set(admin)).status).toBe(204)
  })
})
