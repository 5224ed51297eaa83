import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { makeLimitSettings } from '../../src/limit-settings/limit-settings.ts'
import { createLogger } from '../../src/logger.ts'
import { queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

/** A wall-clock time in Shanghai (UTC+8, no daylight saving). */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)

/** A hypothetical notice for 2027: New Year's Day and Monday 4 January off, no make-up day. */
const NOTICE = {
  holidays: ['2027-01-04', '2027-01-01'],
  workdays: [],
  source: 'State Council notice (test): 2027 New Year',
}

describe('an administrator imports a year nobody had published', () => {
  let h: Harness
  const clock = manualClock(sh('2026-12-24 10:00')) // a Thursday
  const token: Record<string, string> = {}
  const as = (job: string) => ({ authorization: `Bearer ${token[job]}` })
  const api = () => request(h.app)
  const yearEvents = () =>
    h.ctx.db
      .selectFrom('admin_events')
      .selectAll()
      .where('entity', '=', 'calendar_year')
      .orderBy('id')
      .execute()

  /** The resolution deadline of a new repair case (IVR key 1: 7 working days by default). */
  let caller = 0
  async function newRepairCaseDue(): Promise<Date> {
    await queuedCall(h, '1', `+86138000001${String(++caller).padStart(2, '0')}`)
    const row = await h.ctx.db
      .selectFrom('case_deadlines')
      .innerJoin('cases', 'cases.id', 'case_deadlines.case_id')
      .select('case_deadlines.due_at')
      .where('case_deadlines.step', '=', 'resolution')
      .orderBy('cases.id', 'desc')
      .executeTakeFirstOrThrow()
    return row.due_at
  }

  beforeAll(async () => {
    h = await createHarness({ clock })
    for (const job of ['2001', '9001']) {
      const res = await api()
        .post('/api/auth/login')
        .send({ jobNumber: job, password: DEMO_PASSWORD })
      token[job] = res.body.token as string
    }
  })
  afterAll(async () => {
    await h.close()
  })

  it('counts the estimated New Year holiday until the import, then the notice', async () => {
    // Thu 24 Dec 10:00 + 7 working days with 2027 estimated: 25, 28, 29, 30, 31 Dec; 1 Jan is
    // New Year's Day (estimated), 2–3 Jan a weekend; 4 and 5 Jan: due Tue 5 Jan 10:00.
    expect(await newRepairCaseDue()).toEqual(sh('2027-01-05 10:00'))

    const put = await api().put('/api/admin/calendar/years/2027').set(as('9001')).send(NOTICE)
    expect(put.status).toBe(201)
    expect(put.body).toEqual({ year: 2027, result: 'created' })
    // With the notice: 25, 28, 29, 30, 31 Dec; 1 and 4 Jan off; 5 and 6 Jan: due Wed 6 Jan.
    expect(await newRepairCaseDue()).toEqual(sh('2027-01-06 10:00'))

    const cal = await api().get('/api/admin/calendar?from=2027-01-01&to=2027-01-05').set(as('2001'))
    expect(cal.status).toBe(200)
    expect(cal.body.estimatedYears).toEqual([])
    const official = { kind: 'holiday', working: false, source: 'official', origin: NOTICE.source }
    expect(cal.body.days).toEqual([
      { date: '2027-01-01', ...official },
      { date: '2027-01-02', kind: 'weekend', working: false, source: 'weekly_rule' },
      { date: '2027-01-03', kind: 'weekend', working: false, source: 'weekly_rule' },
      { date: '2027-01-04', ...official },
      { date: '2027-01-05', kind: 'workday', working: true, source: 'weekly_rule' },
    ])
    // The whole year is the notice's now: the estimated Spring Festival is gone with it.
    const feb = await api().get('/api/admin/calendar?from=2027-02-05&to=2027-02-05').set(as('2001'))
    expect(feb.body.days[0]).toMatchObject({ kind: 'workday', source: 'weekly_rule' })

    const got = await api().get('/api/admin/calendar/years/2027').set(as('2001'))
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({
      year: 2027,
      source: 'imported',
      imported: { year: 2027, holidays: ['2027-01-01', '2027-01-04'], workdays: [] },
    })
  })

  it('audits the import; the same notice again changes nothing', async () => {
    const after = {
      year: 2027,
      holidays: ['2027-01-01', '2027-01-04'],
      workdays: [],
      source: NOTICE.source,
    }
    const admin = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '9001')
      .executeTakeFirstOrThrow()
    expect(
      (await yearEvents()).map((e) => [
        e.actor_agent_id,
        e.entity_key,
        e.action,
        e.before,
        e.after,
      ]),
    ).toEqual([[admin.id, '2027', 'created', null, after]])

    const again = await api().put('/api/admin/calendar/years/2027').set(as('9001')).send(NOTICE)
    expect(again.status).toBe(200)
    expect(again.body.result).toBe('unchanged')
    expect(await yearEvents()).toHaveLength(1)

    const changes = await api().get('/api/admin/changes?entity=calendar_year').set(as('2001'))
    expect(changes.body.changes).toMatchObject([{ entityKey: '2027', action: 'created' }])
  })

  it('answers 400 for a bad arrangement and 403 to a supervisor, changing nothing', async () => {
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['2027', { ...NOTICE, holidays: ['2028-01-01'] }, /2028-01-01 is not in 2027/],
      [
        '2027',
        { ...NOTICE, workdays: ['2027-01-04'] },
        /2027-01-04 is in both holidays and workdays/,
      ],
      ['2027', { ...NOTICE, holidays: ['2027-02-30'] }, /holidays\[\] must be a real date/],
      ['2027', { ...NOTICE, holidays: '2027-01-01' }, /holidays must be a list of dates/],
      ['2027', { holidays: ['2027-01-01'], workdays: [] }, /source is required/],
      ['2027', { ...NOTICE, holidays: [] }, /holidays must list the year's holidays/],
      ['2027', { ...NOTICE, colour: 'red' }, /colour/],
      ['next', NOTICE, /the year must be a number/],
      ['1999', NOTICE, /between 2000 and 2200/],
      [
        '2027',
        { ...NOTICE, workdays: Array.from({ length: 367 }, () => '2027-02-07') },
        /workdays: a year has at most 366 days/,
      ],
    ]
    for (const [year, body, message] of bad) {
      const res = await api().put(`/api/admin/calendar/years/${year}`).set(as('9001')).send(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.message).toMatch(message)
    }
    const denied = await api().put('/api/admin/calendar/years/2027').set(as('2001')).send(NOTICE)
    expect(denied.status).toBe(403)
    expect(await yearEvents()).toHaveLength(1)
    const stored = await h.ctx.db.selectFrom('calendar_years').select('year').execute()
    expect(stored).toEqual([{ year: 2027 }])
  })

  it('reaches another instance within the reload interval', async () => {
    let nowMs = 0
    const other = makeLimitSettings({
      db: h.ctx.db,
      logger: createLogger({ level: 'silent' }),
      calendar: { timeZone: 'Asia/Shanghai' },
      refreshMs: 30_000,
      now: () => nowMs,
    })
    await other.load()
    expect(other.calendar.isWorkingDay('2027-01-05')).toBe(true)
    await api()
      .put('/api/admin/calendar/years/2027')
      .set(as('9001'))
      .send({ ...NOTICE, holidays: [...NOTICE.holidays, '2027-01-05'] })
      .expect(200)
    nowMs = 29_000
    expect(other.calendar.isWorkingDay('2027-01-05')).toBe(true)
    nowMs = 31_000
    await vi.waitFor(() => expect(other.calendar.isWorkingDay('2027-01-05')).toBe(false))
    expect(other.calendar.yearSource(2027)).toBe('imported')
  })

  it('goes back to the estimate when the import is deleted', async () => {
    expect((await api().delete('/api/admin/calendar/years/2027').set(as('2001'))).status).toBe(403)
    expect((await api().delete('/api/admin/calendar/years/2027').set(as('9001'))).status).toBe(204)
    expect((await yearEvents()).at(-1)).toMatchObject({ action: 'deleted', after: null })
    expect(await newRepairCaseDue()).toEqual(sh('2027-01-05 10:00'))
    const got = await api().get('/api/admin/calendar/years/2027').set(as('2001'))
    expect(got.body).toEqual({ year: 2027, source: 'estimated', imported: null })
    expect((await api().delete('/api/admin/calendar/years/2027').set(as('9001'))).status).toBe(404)
  })

  it('/readyz warns about 2027 from November while it is estimated, and stays ready', async () => {
    clock.set(sh('2026-11-05 10:00'))
    const res = await api().get('/readyz')
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('ready')
    expect(res.body.warnings).toEqual([
      expect.objectContaining({ code: 'calendar_estimated', year: 2027 }),
    ])
    const board = await api().get('/api/board').set(as('2001'))
    expect(board.body.calendarWarnings).toEqual(res.body.warnings)

    // November 2025: next year (2026) is in chinese-days, and 2025 too: nothing to say.
    clock.set(sh('2025-11-05 10:00'))
    expect((await api().get('/readyz')).body.warnings).toEqual([])
    // November 2026 again, once 2027 is imported: nothing either.
    clock.set(sh('2026-11-05 10:00'))
    await api().put('/api/admin/calendar/years/2027').set(as('9001')).send(NOTICE).expect(201)
    expect((await api().get('/readyz')).body.warnings).toEqual([])
    expect((await api().get('/api/board').set(as('2001'))).body.calendarWarnings).toEqual([])
  })
})
