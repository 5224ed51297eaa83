import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { DEFAULT_POLICIES, findPolicy } from '../../src/domain/time-limits.ts'
import { makeLimitSettings } from '../../src/limit-settings/limit-settings.ts'
import { listPolicies } from '../../src/limit-settings/policies.repository.ts'
import { createLogger } from '../../src/logger.ts'
import { queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

/** A wall-clock time in Shanghai (UTC+8, no daylight saving). */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)

async function login(h: Harness, jobNumber: string): Promise<string> {
  const res = await request(h.app)
    .post('/api/auth/login')
    .send({ jobNumber, password: DEMO_PASSWORD })
  expect(res.status).toBe(200)
  return res.body.token as string
}

/** The resolution deadline of the case the last call opened (IVR key 1: a repair). */
async function newRepairCaseDue(h: Harness, from: string): Promise<Date> {
  await queuedCall(h, '1', from)
  const row = await h.ctx.db
    .selectFrom('case_deadlines')
    .innerJoin('cases', 'cases.id', 'case_deadlines.case_id')
    .select('case_deadlines.due_at')
    .where('case_deadlines.step', '=', 'resolution')
    .orderBy('cases.id', 'desc')
    .executeTakeFirstOrThrow()
  return row.due_at
}

const adminEvents = (h: Harness) =>
  h.ctx.db.selectFrom('admin_events').selectAll().orderBy('id').execute()

describe('administrators change time limits and the calendar; new deadlines follow', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })

  it('a Saturday made a workday shortens a working-day deadline computed after it', async () => {
    h = await createHarness({ clock: manualClock(sh('2026-11-27 10:00')) }) // a Friday
    const admin = await login(h, '9001')
    // Repairs: 7 working days. Mon 30 Nov … Tue 8 Dec is seven of them.
    const before = await newRepairCaseDue(h, '+8613800000001')
    expect(before).toEqual(sh('2026-12-08 10:00'))

    const put = await request(h.app)
      .put('/api/admin/calendar/overrides/2026-11-28')
      .set('authorization', `Bearer ${admin}`)
      .send({ kind: 'workday', note: 'stocktake Saturday, all staff in' })
    expect(put.status).toBe(201)

    expect(await newRepairCaseDue(h, '+8613800000002')).toEqual(sh('2026-12-07 10:00'))
    // A deadline already running keeps the window it was given.
    const first = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('due_at')
      .where('step', '=', 'resolution')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    expect(first.due_at).toEqual(before)

    const cal = await request(h.app)
      .get('/api/admin/calendar?from=2026-11-28&to=2026-11-29')
      .set('authorization', `Bearer ${admin}`)
    expect(cal.status).toBe(200)
    expect(cal.body.days).toEqual([
      {
        date: '2026-11-28',
        kind: 'workday',
        working: true,
        source: 'override',
        name: 'stocktake Saturday, all staff in',
      },
      { date: '2026-11-29', kind: 'weekend', working: false, source: 'weekly_rule' },
    ])
  })

  it('a holiday override pushes a deadline back by a working day; removing it undoes that', async () => {
    h = await createHarness({ clock: manualClock(sh('2026-11-23 10:00')) }) // a Monday
    const admin = await login(h, '9001')
    const auth = { authorization: `Bearer ${admin}` }
    expect(await newRepairCaseDue(h, '+8613800000003')).toEqual(sh('2026-12-02 10:00'))

    const put = await request(h.app)
      .put('/api/admin/calendar/overrides/2026-11-26')
      .set(auth)
      .send({ kind: 'holiday', note: 'company anniversary, office closed' })
    expect(put.status).toBe(201)
    expect(await newRepairCaseDue(h, '+8613800000004')).toEqual(sh('2026-12-03 10:00'))

    const got = await request(h.app).get('/api/admin/calendar/overrides/2026-11-26').set(auth)
    expect(got.body.override).toMatchObject({ date: '2026-11-26', kind: 'holiday' })

    expect(
      (await request(h.app).delete('/api/admin/calendar/overrides/2026-11-26').set(auth)).status,
    ).toBe(204)
    expect(await newRepairCaseDue(h, '+8613800000005')).toEqual(sh('2026-12-02 10:00'))
    expect(
      (await request(h.app).get('/api/admin/calendar/overrides/2026-11-26').set(auth)).status,
    ).toBe(404)
  })

  it("a category's new resolution limit applies to new cases, not to running ones", async () => {
    h = await createHarness({ clock: manualClock(sh('2026-11-23 10:00')) })
    const admin = await login(h, '9001')
    const running = await newRepairCaseDue(h, '+8613800000006')
    expect(running).toEqual(sh('2026-12-02 10:00'))

    const res = await request(h.app)
      .put('/api/admin/time-limits')
      .set('authorization', `Bearer ${admin}`)
      .send({
        step: 'resolution',
        category: 'repair',
        amount: 3,
        unit: 'days',
        basis: 'working',
        source: 'manager meeting 2026-11-20: repairs within 3 working days',
      })
    expect(res.status).toBe(200)
    expect(res.body.result).toBe('updated')

    expect(await newRepairCaseDue(h, '+8613800000007')).toEqual(sh('2026-11-26 10:00'))
    const all = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('due_at')
      .where('step', '=', 'resolution')
      .orderBy('id')
      .execute()
    expect(all.map((d) => d.due_at)).toEqual([running, sh('2026-11-26 10:00')])
  })

  it('another instance picks up a change on its next read after the refresh interval', async () => {
    h = await createHarness({ clock: manualClock(sh('2026-11-23 10:00')) })
    let nowMs = 0
    const other = makeLimitSettings({
      db: h.ctx.db,
      logger: createLogger({ level: 'silent' }),
      calendar: { timeZone: 'Asia/Shanghai' },
      refreshMs: 30_000,
      now: () => nowMs,
    })
    await other.load()
    const repairLimit = () => findPolicy(other.policies(), 'resolution', 'repair')?.amount
    const admin = await login(h, '9001')
    await request(h.app)
      .put('/api/admin/time-limits')
      .set('authorization', `Bearer ${admin}`)
      .send({
        step: 'resolution',
        category: 'repair',
        amount: 5,
        unit: 'days',
        basis: 'working',
        source: 'trial',
      })
      .expect(200)
    await request(h.app)
      .put('/api/admin/calendar/overrides/2026-11-24')
      .set('authorization', `Bearer ${admin}`)
      .send({ kind: 'holiday', note: 'trial' })
      .expect(201)

    nowMs = 29_000
    expect(repairLimit()).toBe(7)
    expect(other.calendar.isWorkingDay('2026-11-24')).toBe(true)
    nowMs = 31_000
    await vi.waitFor(() => {
      expect(repairLimit()).toBe(5)
      expect(other.calendar.isWorkingDay('2026-11-24')).toBe(false)
    })
  })
})

describe('the admin API for time limits and calendar overrides', () => {
  let h: Harness
  const token: Record<string, string> = {}
  const as = (job: string) => ({ authorization: `Bearer ${token[job]}` })
  const api = () => request(h.app)
  const policies = () => listPolicies(h.ctx.db)
  const overrides = () => h.ctx.db.selectFrom('calendar_overrides').selectAll().execute()

  beforeAll(async () => {
    h = await createHarness({ clock: manualClock(sh('2026-11-23 10:00')) })
    for (const job of ['1001', '2001', '3001', '9001']) token[job] = await login(h, job)
  })
  afterAll(async () => {
    await h.close()
  })

  // If this fails after an edit of time-limit-defaults.ts: migrations are frozen, so the new
  // values need a migration of their own (and this test a look at what deployments hold).
  it('starts from the defaults in the code, copied by the migration', async () => {
    const stored = await policies()
    const key = (p: { step: string; category: string | null; variant: string | null }) =>
      `${p.step}/${p.category}/${p.variant}`
    const bare = (ps: readonly (typeof DEFAULT_POLICIES)[number][]) =>
      ps
        .map(({ step, category, variant, amount, unit, basis, source }) => ({
          step,
          category,
          variant,
          amount,
          unit,
          basis,
          source,
        }))
        .sort((a, b) => key(a).localeCompare(key(b)))
    expect(bare(stored)).toEqual(bare(DEFAULT_POLICIES))
    expect(stored.every((p) => p.updatedBy === null)).toBe(true)
  })

  it('lets supervisors and managers read, only administrators write', async () => {
    expect((await api().get('/api/admin/time-limits')).status).toBe(401)
    expect((await api().get('/api/admin/time-limits').set(as('1001'))).status).toBe(403)
    expect((await api().get('/api/admin/calendar/overrides').set(as('1001'))).status).toBe(403)
    for (const reader of ['2001', '3001', '9001']) {
      const res = await api().get('/api/admin/time-limits').set(as(reader))
      expect(res.status).toBe(200)
      expect(res.body.policies).toHaveLength(DEFAULT_POLICIES.length)
      expect(
        (await api().get('/api/admin/calendar?from=2026-11-01&to=2026-11-30').set(as(reader)))
          .status,
      ).toBe(200)
    }
    const body = { step: 'record', amount: 2, unit: 'minutes', basis: 'calendar', source: 'x-y-z' }
    for (const writer of ['1001', '2001', '3001']) {
      const put = await api().put('/api/admin/time-limits').set(as(writer)).send(body)
      expect(put.status).toBe(403)
      expect(put.body.error.message).toMatch(/requires role admin/)
      expect(
        (
          await api()
            .put('/api/admin/calendar/overrides/2026-12-05')
            .set(as(writer))
            .send({ kind: 'workday', note: 'make-up day' })
        ).status,
      ).toBe(403)
      expect(
        (
          await api()
            .delete('/api/admin/time-limits?step=resolution&category=repair')
            .set(as(writer))
        ).status,
      ).toBe(403)
    }
    expect(await overrides()).toEqual([])
    expect(findPolicy(await policies(), 'record')?.amount).toBe(1)
    expect(await adminEvents(h)).toEqual([])
  })

  it('answers bad input with a 400 that says what is wrong, and changes nothing', async () => {
    const good = {
      step: 'resolution',
      category: 'complaint',
      variant: 'serious',
      amount: 1,
      unit: 'days',
      basis: 'calendar',
      source: 'policy review',
    }
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, step: 'lunch' }, /step must be one of record, dispatch/],
      [{ ...good, amount: 0 }, /amount: .*> 0/],
      [{ ...good, amount: -3 }, /amount/],
      [{ ...good, amount: '3' }, /amount must be a number/],
      [{ ...good, amount: 1.5 }, /days must be whole.*half a working day/],
      [{ ...good, amount: 400 }, /at most 366 days/],
      [{ ...good, unit: 'hours' }, /unit must be 'minutes' or 'days'/],
      [{ ...good, basis: 'lunar' }, /basis must be 'calendar' or 'working'/],
      [{ ...good, category: null }, /variant belongs to a category/],
      [{ ...good, category: 'Repair!' }, /category must be a code/],
      [{ ...good, category: 'parking' }, /no category has the code "parking"/],
      [{ ...good, source: '' }, /source must say where/],
      [{ ...good, source: undefined }, /source is required/],
      [{ ...good, extra: 1 }, /extra/],
    ]
    for (const [body, message] of bad) {
      const res = await api().put('/api/admin/time-limits').set(as('9001')).send(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.message).toMatch(message)
    }
    const notJson = await api()
      .put('/api/admin/time-limits')
      .set(as('9001'))
      .type('json')
      .send('{"step":')
    expect(notJson.status).toBe(400)

    const badOverrides: [string, unknown, RegExp][] = [
      ['2026-02-30', { kind: 'holiday', note: 'no such day' }, /real date/],
      ['28-11-2026', { kind: 'holiday', note: 'wrong order' }, /real date/],
      [
        '2026-11-28',
        { kind: 'half-day', note: 'half a day' },
        /kind must be 'workday' or 'holiday'/,
      ],
      ['2026-11-28', { kind: 'workday' }, /note is required/],
      ['2026-11-28', { kind: 'workday', note: '  ' }, /note must say why/],
    ]
    for (const [date, body, message] of badOverrides) {
      const res = await api()
        .put(`/api/admin/calendar/overrides/${date}`)
        .set(as('9001'))
        .send(body as object)
      expect(res.status, `${date} ${JSON.stringify(body)}`).toBe(400)
      expect(res.body.error.message).toMatch(message)
    }
    for (const [query, message] of [
      ['from=2026-11-01', /to is required/],
      ['from=2026-11-30&to=2026-11-01', /to must not be before from/],
      ['from=2026-01-01&to=2027-01-02', /at most 366 days/],
      ['from=2026-13-01&to=2026-12-01', /from must be a real date/],
    ] as const) {
      const res = await api().get(`/api/admin/calendar?${query}`).set(as('2001'))
      expect(res.status, query).toBe(400)
      expect(res.body.error.message).toMatch(message)
    }
    const stray = await api()
      .delete('/api/admin/time-limits?step=record&colour=red')
      .set(as('9001'))
    expect(stray.status).toBe(400)

    expect(await policies()).toHaveLength(DEFAULT_POLICIES.length)
    expect(findPolicy(await policies(), 'resolution', 'complaint', 'serious')).toMatchObject({
      amount: 2,
      unit: 'days',
    })
    expect(await overrides()).toEqual([])
    expect(await adminEvents(h)).toEqual([])
  })

  it('refuses to delete a step default (409) and says 404 for what does not exist', async () => {
    const del = await api().delete('/api/admin/time-limits?step=dispatch').set(as('9001'))
    expect(del.status).toBe(409)
    expect(del.body.error.message).toMatch(/step's default .* change it with PUT/)
    const missing = await api()
      .delete('/api/admin/time-limits?step=resolution&category=repair&variant=roof')
      .set(as('9001'))
    expect(missing.status).toBe(404)
    expect(
      (await api().delete('/api/admin/calendar/overrides/2026-12-25').set(as('9001'))).status,
    ).toBe(404)
    expect(
      (await api().get('/api/admin/calendar/overrides/2026-12-25').set(as('2001'))).status,
    ).toBe(404)
    expect(await policies()).toHaveLength(DEFAULT_POLICIES.length)
    expect(await adminEvents(h)).toEqual([])
  })

  it('records every change with the acting administrator, before and after; history is append-only', async () => {
    const adminId = (
      await h.ctx.db
        .selectFrom('agents')
        .select('id')
        .where('job_number', '=', '9001')
        .executeTakeFirstOrThrow()
    ).id
    const policy = {
      step: 'resolution',
      category: 'complaint',
      variant: 'about_staff',
      amount: 120,
      unit: 'minutes',
      basis: 'working',
      source: 'quality review',
    }
    const created = await api().put('/api/admin/time-limits').set(as('9001')).send(policy)
    expect([created.status, created.body.result]).toEqual([201, 'created'])
    const again = await api().put('/api/admin/time-limits').set(as('9001')).send(policy)
    expect([again.status, again.body.result]).toEqual([200, 'unchanged'])
    await api()
      .put('/api/admin/time-limits')
      .set(as('9001'))
      .send({ ...policy, amount: 90 })
      .expect(200)
    await api()
      .delete('/api/admin/time-limits?step=resolution&category=complaint&variant=about_staff')
      .set(as('9001'))
      .expect(204)
    await api()
      .put('/api/admin/calendar/overrides/2027-02-06')
      .set(as('9001'))
      .send({ kind: 'workday', note: 'Spring Festival make-up day (2027 not published yet)' })
      .expect(201)
    await api()
      .put('/api/admin/calendar/overrides/2027-02-06')
      .set(as('9001'))
      .send({ kind: 'holiday', note: 'notice changed' })
      .expect(200)

    const rows = await adminEvents(h)
    expect(
      rows.map((r) => [r.actor_agent_id, r.entity, r.entity_key, r.action, r.before, r.after]),
    ).toEqual([
      [adminId, 'time_limit_policy', 'resolution:complaint:about_staff', 'created', null, policy],
      [
        adminId,
        'time_limit_policy',
        'resolution:complaint:about_staff',
        'updated',
        policy,
        { ...policy, amount: 90 },
      ],
      [
        adminId,
        'time_limit_policy',
        'resolution:complaint:about_staff',
        'deleted',
        { ...policy, amount: 90 },
        null,
      ],
      [
        adminId,
        'calendar_override',
        '2027-02-06',
        'created',
        null,
        {
          date: '2027-02-06',
          kind: 'workday',
          note: 'Spring Festival make-up day (2027 not published yet)',
        },
      ],
      [
        adminId,
        'calendar_override',
        '2027-02-06',
        'updated',
        {
          date: '2027-02-06',
          kind: 'workday',
          note: 'Spring Festival make-up day (2027 not published yet)',
        },
        { date: '2027-02-06', kind: 'holiday', note: 'notice changed' },
      ],
    ])
    expect(rows.every((r) => r.occurred_at.getTime() === sh('2026-11-23 10:00').getTime())).toBe(
      true,
    )

    const changes = await api().get('/api/admin/changes?entity=calendar_override').set(as('3001'))
    expect(changes.body.changes).toMatchObject([{ action: 'updated' }, { action: 'created' }])
    expect(changes.body.changes).toHaveLength(2)

    await expect(
      h.ctx.db.updateTable('admin_events').set({ entity_key: 'x' }).execute(),
    ).rejects.toThrow(/admin_events is append-only: UPDATE refused/)
    await expect(h.ctx.db.deleteFrom('admin_events').execute()).rejects.toThrow(/append-only/)
    expect(await adminEvents(h)).toHaveLength(5)

    await api().delete('/api/admin/calendar/overrides/2027-02-06').set(as('9001')).expect(204)
    expect((await adminEvents(h)).at(-1)).toMatchObject({ action: 'deleted', after: null })
  })

  it('shows each day of the calendar with its kind and what decided it', async () => {
    await api()
      .put('/api/admin/calendar/overrides/2026-10-09')
      .set(as('9001'))
      .send({ kind: 'holiday', note: 'typhoon: office closed' })
      .expect(201)
    const res = await api().get('/api/admin/calendar?from=2026-10-06&to=2026-10-12').set(as('2001'))
    expect(res.status).toBe(200)
    expect(res.body.timeZone).toBe('Asia/Shanghai')
    expect(res.body.estimatedYears).toEqual([])
    expect(res.body.days).toEqual([
      {
        date: '2026-10-06',
        kind: 'holiday',
        working: false,
        source: 'official',
        name: '国庆节 National Day',
        origin: 'chinese-days',
      },
      {
        date: '2026-10-07',
        kind: 'holiday',
        working: false,
        source: 'official',
        name: '国庆节 National Day',
        origin: 'chinese-days',
      },
      { date: '2026-10-08', kind: 'workday', working: true, source: 'weekly_rule' },
      {
        date: '2026-10-09',
        kind: 'holiday',
        working: false,
        source: 'override',
        name: 'typhoon: office closed',
      },
      {
        date: '2026-10-10',
        kind: 'make-up',
        working: true,
        source: 'official',
        name: '国庆节 National Day',
        origin: 'chinese-days',
      },
      { date: '2026-10-11', kind: 'weekend', working: false, source: 'weekly_rule' },
      { date: '2026-10-12', kind: 'workday', working: true, source: 'weekly_rule' },
    ])
    const list = await api().get('/api/admin/calendar/overrides').set(as('2001'))
    expect(list.body.overrides).toMatchObject([{ date: '2026-10-09', kind: 'holiday' }])
    const next = await api()
      .get('/api/admin/calendar?from=2026-12-30&to=2027-01-02')
      .set(as('2001'))
    expect(next.body.estimatedYears).toEqual([2027])
    // 2027-01-01 is estimated to be New Year's Day; 2027-01-02 a Saturday.
    expect((next.body.days as unknown[]).slice(2)).toEqual([
      {
        date: '2027-01-01',
        kind: 'holiday',
        working: false,
        source: 'estimated',
        name: "元旦 New Year's Day",
      },
      { date: '2027-01-02', kind: 'weekend', working: false, source: 'weekly_rule' },
    ])
  })
})
