import express, { Router } from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { requireAgent } from '../../src/http/auth.middleware.ts'
import { jsonErrorHandler } from '../../src/http/error-handler.ts'
import { createRatesRouter } from '../../src/http/rates.routes.ts'
import {
  drawQualitySample,
  pickAtRandom,
  recordQualityOutcome,
  requiredSampleSize,
} from '../../src/rates/quality-sample.ts'
import { qualitySampleReport } from '../../src/rates/quality-sample-report.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import { seededRandom } from '../helpers/seeded-random.ts'

const SH = 'Asia/Shanghai'
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)

describe('pickAtRandom and the 10 % rule', () => {
  it('needs 10 % of the closed cases, rounded up', () => {
    expect([0, 1, 9, 10, 11, 25, 30, 31, 100].map(requiredSampleSize)).toEqual([
      0, 1, 1, 1, 2, 3, 3, 4, 10,
    ])
  })

  it('picks distinct items, the same ones for the same dice', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const a = pickAtRandom(items, 10, seededRandom(7))
    expect(new Set(a).size).toBe(10)
    expect(pickAtRandom(items, 10, seededRandom(7))).toEqual(a)
    expect(pickAtRandom(items, 10, seededRandom(8))).not.toEqual(a)
    expect(pickAtRandom(items, 3, () => 0)).toEqual([0, 1, 2])
    expect(pickAtRandom(items, 2, () => 0.9999999)).toEqual([49, 0])
    expect(pickAtRandom([1, 2], 5, Math.random).sort()).toEqual([1, 2])
  })
})

describe('the monthly quality sample', () => {
  let h: Harness
  let supervisor: number
  const category: Record<string, number> = {}
  let n = 0

  /** `count` cases of a category closed by their callers at `closedAt` (Shanghai). */
  async function closedCases(code: string | null, count: number, closedAt: string | null) {
    const rows = await h.ctx.db
      .insertInto('cases')
      .values(
        Array.from({ length: count }, () => ({
          reference: `HL-20261101-${String(++n).padStart(4, '0')}`,
          hotline_number: null,
          caller_id: null,
          category_id: code ? category[code] : null,
          first_owner_id: null,
          first_owned_at: null,
          assignee_agent_id: null,
          assignee_department_id: null,
          status: closedAt ? ('closed' as const) : ('in_progress' as const),
          place: null,
          content: null,
          contact_name: null,
          contact_phone: null,
          promised_reply_at: null,
          created_at: sh('2026-09-01 09:00'),
          closed_at: closedAt ? sh(closedAt) : null,
          closed_by: closedAt ? ('caller' as const) : null,
        })),
      )
      .returning('id')
      .execute()
    return rows.map((r) => r.id)
  }
  const samples = (month: string) =>
    h.ctx.db
      .selectFrom('quality_samples')
      .select(['case_id', 'category_id', 'supervisor_id', 'status'])
      .where('month', '=', month)
      .orderBy('id')
      .execute()

  beforeAll(async () => {
    h = await createHarness({ clock: manualClock(sh('2026-12-02 10:00')) })
    supervisor = (
      await h.ctx.db
        .selectFrom('agents')
        .select('id')
        .where('job_number', '=', '2001')
        .executeTakeFirstOrThrow()
    ).id
    for (const c of await h.ctx.db.selectFrom('categories').select(['id', 'code']).execute()) {
      category[c.code] = c.id
    }
  })
  afterAll(async () => {
    await h.close()
  })

  it('draws 10 % (rounded up) of each category closed that month, at random', async () => {
    const repair = await closedCases('repair', 25, '2026-11-30 23:59') // 3 needed
    const complaint = await closedCases('complaint', 10, '2026-11-01 00:00') // 1
    const inquiry = await closedCases('inquiry', 1, '2026-11-15 12:00') // 1
    const none = await closedCases(null, 3, '2026-11-15 12:00') // 1
    await closedCases('repair', 5, '2026-10-31 23:59') // October's
    await closedCases('repair', 5, '2026-12-01 00:00') // December's
    await closedCases('neighbour', 4, null) // not closed

    // With dice that always roll 0 the shuffle keeps the order: the lowest ids are drawn.
    const r = await drawQualitySample(h.ctx.db, {
      month: '2026-11',
      timeZone: SH,
      random: () => 0,
      supervisorId: supervisor,
    })
    expect(r.added).toBe(6)
    expect(r.categories).toEqual([
      { categoryId: category['repair'], closed: 25, required: 3, drawn: 3 },
      { categoryId: category['complaint'], closed: 10, required: 1, drawn: 1 },
      { categoryId: category['inquiry'], closed: 1, required: 1, drawn: 1 },
      { categoryId: null, closed: 3, required: 1, drawn: 1 },
    ])
    const drawn = await samples('2026-11-01')
    expect(drawn.map((s) => s.case_id)).toEqual([
      ...repair.slice(0, 3),
      complaint[0],
      inquiry[0],
      none[0],
    ])
    expect(drawn.every((s) => s.supervisor_id === supervisor && s.status === 'pending')).toBe(true)
  })

  it('adds nothing when drawn again, and tops up a category that closed more since', async () => {
    const before = await samples('2026-11-01')
    const again = await drawQualitySample(h.ctx.db, {
      month: '2026-11',
      timeZone: SH,
      random: seededRandom(1),
      supervisorId: supervisor,
    })
    expect(again.added).toBe(0)
    expect(await samples('2026-11-01')).toEqual(before)

    const later = await closedCases('repair', 6, '2026-11-29 10:00') // 31 repairs: 4 needed
    const topUp = await drawQualitySample(h.ctx.db, {
      month: '2026-11',
      timeZone: SH,
      random: () => 0.9999999,
      supervisorId: supervisor,
    })
    expect(topUp.added).toBe(1)
    const after = await samples('2026-11-01')
    expect(after.slice(0, before.length)).toEqual(before)
    // The last candidate in id order: the last of the six repairs closed later.
    expect(after.at(-1)?.case_id).toBe(later.at(-1))
  })

  it('draws exactly the share when several supervisors draw at the same moment', async () => {
    // December also has the 5 repairs closed at 00:00 on the 1st (1 needed).
    await closedCases('complaint', 12, '2026-12-01 09:00') // 2 needed
    const draw = (seed: number) =>
      drawQualitySample(h.ctx.db, {
        month: '2026-12',
        timeZone: SH,
        random: seededRandom(seed),
        supervisorId: supervisor,
      })
    const draws = await Promise.all([1, 2, 3, 4, 5, 6].map(draw))
    expect(draws.map((d) => d.added).sort()).toEqual([0, 0, 0, 0, 0, 3])
    expect(await samples('2026-12-01')).toHaveLength(3)
  })

  it('records each return visit once and reports the sample satisfaction', async () => {
    const rows = await h.ctx.db
      .selectFrom('quality_samples')
      .select('id')
      .where('month', '=', '2026-11-01')
      .orderBy('id')
      .execute()
    const ids = rows.map((r) => r.id)
    const at = sh('2026-12-02 10:00')
    const by = { supervisorId: supervisor, at }
    for (const id of ids.slice(0, 4)) {
      await recordQualityOutcome(h.ctx.db, id, {
        reached: true,
        satisfied: true,
        rating: 5,
        note: null,
        ...by,
      })
    }
    await recordQualityOutcome(h.ctx.db, ids[4] as string, {
      reached: true,
      satisfied: false,
      rating: 2,
      note: 'the tap drips again',
      ...by,
    })
    await recordQualityOutcome(h.ctx.db, ids[5] as string, { reached: false, note: null, ...by })
    await expect(
      recordQualityOutcome(h.ctx.db, ids[0] as string, {
        reached: false,
        note: null,
        ...by,
      }),
    ).rejects.toThrow(/already recorded/)
    await expect(
      recordQualityOutcome(h.ctx.db, '999999', { reached: false, note: null, ...by }),
    ).rejects.toThrow(/not found/)

    const report = await qualitySampleReport(h.ctx.db, { month: '2026-11', timeZone: SH })
    // 4 satisfied of 5 reached (the unreachable caller counts neither way): 80 % < 95 %.
    expect(report.satisfaction).toEqual({ numerator: 4, denominator: 5, rate: 0.8 })
    expect(report.meetsTarget).toBe(false)
    expect(report.samples).toHaveLength(7)
    expect(report.samples.find((s) => s.id === ids[4])).toMatchObject({
      satisfied: false,
      rating: 2,
      note: 'the tap drips again',
      status: 'done',
    })
    expect(report.samples.find((s) => s.id === ids[5])).toMatchObject({
      satisfied: null,
      status: 'unreachable',
    })
    expect(report.categories.find((c) => c.categoryCode === 'repair')).toEqual({
      categoryId: category['repair'],
      categoryCode: 'repair',
      closed: 31,
      required: 4,
      drawn: 4,
      done: 3, // the topped-up one is still waiting for its visit
    })
    const empty = await qualitySampleReport(h.ctx.db, { month: '2026-08', timeZone: SH })
    expect(empty).toMatchObject({ samples: [], satisfaction: { rate: null }, meetsTarget: null })
  })

  describe('over HTTP', () => {
    let app: express.Express
    const tokens: Record<string, string> = {}
    const as = (job: string) => ({ Authorization: `Bearer ${tokens[job]}` })

    beforeAll(async () => {
      const api = Router()
      api.use(requireAgent(h.ctx))
      api.use(createRatesRouter({ ...h.ctx, random: seededRandom(42) }))
      app = express().use('/api', api).use('/api', jsonErrorHandler(h.ctx.logger))
      for (const job of ['1001', '2001']) {
        const res = await request(h.app)
          .post('/api/auth/login')
          .send({ jobNumber: job, password: DEMO_PASSWORD })
        tokens[job] = res.body.token as string
      }
      await closedCases('inquiry', 15, '2027-01-10 10:00') // 2 needed
    })

    it('refuses agents', async () => {
      const url = '/api/rates/quality-sample?month=2027-01'
      expect((await request(app).post(url).set(as('1001'))).status).toBe(403)
      expect((await request(app).get(url).set(as('1001'))).status).toBe(403)
      const outcome = await request(app)
        .post('/api/rates/quality-sample/1')
        .set(as('1001'))
        .send({ satisfied: true })
      expect(outcome.status).toBe(403)
      expect(await samples('2027-01-01')).toEqual([])
    })

    it('lets a supervisor draw, list and record', async () => {
      const url = '/api/rates/quality-sample?month=2027-01'
      const first = await request(app).post(url).set(as('2001'))
      expect(first.status).toBe(201)
      expect(first.body).toMatchObject({ month: '2027-01', added: 2 })
      expect((await request(app).post(url).set(as('2001'))).body.added).toBe(0)

      const list = await request(app).get(url).set(as('2001'))
      expect(list.status).toBe(200)
      expect(list.body.samples).toHaveLength(2)
      const id = list.body.samples[0].id as string

      const ok = await request(app)
        .post(`/api/rates/quality-sample/${id}`)
        .set(as('2001'))
        .send({ satisfied: true, rating: 5, note: 'fixed, polite staff' })
      expect(ok.status).toBe(200)
      const twice = await request(app)
        .post(`/api/rates/quality-sample/${id}`)
        .set(as('2001'))
        .send({ satisfied: false })
      expect(twice.status).toBe(409)
      const after = await request(app).get(url).set(as('2001'))
      expect(after.body.satisfaction).toEqual({ numerator: 1, denominator: 1, rate: 1 })
      expect(after.body.meetsTarget).toBe(true)
    })

    it('says what is wrong with a bad month or outcome, and changes nothing', async () => {
      for (const month of ['2027-W02', '2027-13', '']) {
        const res = await request(app)
          .post(`/api/rates/quality-sample?month=${month}`)
          .set(as('2001'))
        expect(res.status).toBe(400)
        expect(res.body.error.message).toMatch(/^month: /)
      }
      const pending = (await samples('2027-01-01')).filter((s) => s.status === 'pending')
      const list = await request(app).get('/api/rates/quality-sample?month=2027-01').set(as('2001'))
      const samplesNow = list.body.samples as { id: string; status: string }[]
      const id = samplesNow.find((s) => s.status === 'pending')?.id
      const bad = [
        {},
        { satisfied: 'yes' },
        { satisfied: true, rating: 9 },
        { x: 1 },
        // 信息准确率: a "no" must say which details; a "yes" names none; a field we do not record
        { satisfied: true, detailsCorrect: false },
        { satisfied: true, detailsCorrect: false, wrongFields: [] },
        { satisfied: true, detailsCorrect: true, wrongFields: ['place'] },
        { satisfied: true, detailsCorrect: false, wrongFields: ['shoeSize'] },
        { satisfied: true, detailsCorrect: 'yes' },
        { unreachable: true, detailsCorrect: true },
      ]
      for (const body of bad) {
        const res = await request(app)
          .post(`/api/rates/quality-sample/${id}`)
          .set(as('2001'))
          .send(body)
        expect(res.status).toBe(400)
      }
      const missing = await request(app)
        .post('/api/rates/quality-sample/999999')
        .set(as('2001'))
        .send({ unreachable: true })
      expect(missing.status).toBe(404)
      expect((await samples('2027-01-01')).filter((s) => s.status === 'pending')).toEqual(pending)
    })

    it('records whether the recorded details were correct, and which were not', async () => {
      const url = '/api/rates/quality-sample?month=2027-01'
      const list = await request(app).get(url).set(as('2001'))
      const pending = (list.body.samples as { id: string; status: string }[]).filter(
        (s) => s.status === 'pending',
      )
      // The draw above took 2 of the 15 inquiries; one is recorded already, one waits.
      expect(pending).toHaveLength(1)
      const id = pending[0]?.id as string
      const res = await request(app)
        .post(`/api/rates/quality-sample/${id}`)
        .set(as('2001'))
        .send({
          satisfied: true,
          rating: 4,
          detailsCorrect: false,
          wrongFields: ['place', 'contactPhone'],
        })
      expect(res.status).toBe(200)
      const after = await request(app).get(url).set(as('2001'))
      const samplesAfter = after.body.samples as { id: string }[]
      expect(samplesAfter.find((s) => s.id === id)).toMatchObject({
        detailsCorrect: false,
        wrongFields: ['place', 'contactPhone'],
      })
      // The first visit was recorded without the question: only this one was checked, wrong.
      expect(after.body.informationAccuracy).toEqual({ numerator: 0, denominator: 1, rate: 0 })
    })
  })
})
