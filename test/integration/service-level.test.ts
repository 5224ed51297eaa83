import { randomUUID } from 'node:crypto'

import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { parsePeriod } from '../../src/domain/periods.ts'
import type { ServiceLevelDimension } from '../../src/domain/service-level.ts'
import { SERVICE_LEVEL_CSV_HEADER } from '../../src/rates/service-level-csv.ts'
import type { ServiceLevelGroup } from '../../src/rates/service-level-report.ts'
import { buildServiceLevelReport } from '../../src/rates/service-level-report.ts'
import { answerAndPress, legStatus, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, EN_HOTLINE, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import { liveCall, login, requestsSince, statusOf } from '../helpers/live-call.ts'

/** A wall-clock time in Shanghai (UTC+8, no daylight saving). */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`)
const at = (base: string, seconds: number) => new Date(sh(base).getTime() + seconds * 1000)
const SH = 'Asia/Shanghai'
const BOUNDS = { answerSeconds: 15, shortAbandonSeconds: 5 }

/** code → [offered, within, later, abandoned, short, voicemail, waiting, rate, avg, p90, max]. */
const table = (groups: ServiceLevelGroup[]) =>
  Object.fromEntries(
    groups.map((g) => [
      g.code,
      [
        g.offered,
        g.answeredWithin,
        g.answeredLater,
        g.abandoned,
        g.abandonedShort,
        g.voicemail,
        g.waiting,
        g.serviceLevel,
        g.waitAvgSeconds,
        g.waitP90Seconds,
        g.waitMaxSeconds,
      ],
    ]),
  )

type Outcome =
  | { answeredBy: number; after: number; endedAfter: number }
  | { abandonedAfter: number }
  | { voicemail: true }
  | { waiting: true }
  | { inMenu: true }

/**
 * The hand-made calls of November 2026 (and one on each side of it). Waits are seconds from
 * the first queue entry. Worked out by hand below, per dimension.
 */
describe('the service level (15秒接通率)', () => {
  let h: Harness
  const tokens: Record<string, string> = {}
  const report = (period: string, by: ServiceLevelDimension) =>
    buildServiceLevelReport(h.ctx.db, {
      period: parsePeriod(period, SH, { allowDay: true }),
      by,
      timeZone: SH,
      bounds: BOUNDS,
    })
  beforeAll(async () => {
    h = await createHarness({ clock: manualClock(sh('2026-12-02 09:00')) })
    const db = h.ctx.db
    const agent = async (job: string) =>
      (
        await db
          .selectFrom('agents')
          .select('id')
          .where('job_number', '=', job)
          .executeTakeFirstOrThrow()
      ).id
    const a1 = await agent('1001')
    const a2 = await agent('1002')

    const sids: Record<string, string> = {}
    const call = async (
      name: string,
      hotline: string,
      enqueued: string | null,
      outcome: Outcome,
      /** A requeue after a failed transfer: the queue entry and answer it moved, if any. */
      requeued?: { enqueuedAfter: number; abandonedAfter: number },
    ) => {
      const sid = callSid()
      sids[name] = sid
      const q = enqueued === null ? null : sh(enqueued)
      const plus = (s: number) => (q ? new Date(q.getTime() + s * 1000) : null)
      const answered = 'answeredBy' in outcome ? outcome : null
      const endedAfter =
        'endedAfter' in outcome
          ? outcome.endedAfter
          : 'abandonedAfter' in outcome
            ? outcome.abandonedAfter
            : 'voicemail' in outcome
              ? 60
              : null
      await db
        .insertInto('calls')
        .values({
          call_sid: sid,
          direction: 'inbound',
          kind: 'caller',
          parent_call_sid: null,
          case_id: null,
          agent_id: null,
          hotline_number: hotline,
          from_number: '+8613900001111',
          to_number: hotline,
          caller_id: null,
          caller_name: null,
          from_city: null,
          from_state: null,
          from_country: null,
          language: 'zh-CN',
          digits: '[]',
          ivr_state: '{}',
          status: 'waiting' in outcome ? 'in-progress' : 'completed',
          status_rank: 'waiting' in outcome ? 3 : 4,
          queue_state: requeued
            ? 'abandoned'
            : 'inMenu' in outcome
              ? 'ended'
              : 'waiting' in outcome
                ? 'waiting'
                : 'abandonedAfter' in outcome
                  ? 'abandoned'
                  : 'ended', // after voicemail, or after the conversation, the caller hung up
          preferred_agent_id: null,
          enqueued_at: requeued ? plus(requeued.enqueuedAfter) : q,
          first_enqueued_at: q,
          answered_by_agent_id: requeued ? null : (answered?.answeredBy ?? null),
          answered_at: requeued ? null : answered ? plus(answered.after) : null,
          first_answered_by_agent_id: answered?.answeredBy ?? null,
          first_answered_at: answered ? plus(answered.after) : null,
          started_at: plus(-20) ?? sh('2026-11-05 08:00'),
          ended_at: requeued
            ? plus(requeued.abandonedAfter)
            : endedAfter === null
              ? 'inMenu' in outcome
                ? sh('2026-11-05 08:01')
                : null
              : plus(endedAfter),
          duration_seconds: null,
          conference_name: null,
          conference_sid: null,
        })
        .execute()
    }
    /** A ring to an agent; `leg` = [picked up, joined the conference, hung up] in seconds. */
    const offer = async (
      name: string,
      agentId: number,
      base: string,
      status: 'accepted' | 'no_answer' | 'busy' | 'declined' | 'cancelled',
      leg?: [number, number, number],
    ) => {
      const legSid = callSid()
      await db
        .insertInto('calls')
        .values({
          call_sid: legSid,
          direction: 'outbound',
          kind: 'agent_offer',
          parent_call_sid: sids[name] ?? null,
          case_id: null,
          agent_id: agentId,
          hotline_number: null,
          from_number: null,
          to_number: null,
          caller_id: null,
          caller_name: null,
          from_city: null,
          from_state: null,
          from_country: null,
          language: null,
          digits: '[]',
          ivr_state: '{}',
          preferred_agent_id: null,
          enqueued_at: null,
          answered_by_agent_id: null,
          answered_at: null,
          ended_at: leg ? at(base, leg[2]) : at(base, 16),
          duration_seconds: null,
          conference_name: null,
          conference_sid: null,
        })
        .execute()
      await db
        .insertInto('agent_offers')
        .values({
          id: randomUUID(),
          call_sid: sids[name] ?? '',
          case_id: null,
          agent_id: agentId,
          leg_call_sid: legSid,
          wave: 1,
          status,
          created_at: sh(base),
          answered_at: leg ? at(base, leg[0]) : null,
          joined_at: leg ? at(base, leg[1]) : null,
          // An accepted ring ends as its agent's leg does; the others after 16 s of ringing.
          ended_at: leg ? at(base, leg[2]) : at(base, 16),
        })
        .execute()
    }

    // prettier-ignore
    {
      await call('A', ZH_HOTLINE, '2026-11-05 10:00:00', { answeredBy: a1, after: 14, endedAfter: 300 })
      await call('B', ZH_HOTLINE, '2026-11-05 11:00:00', { answeredBy: a2, after: 15, endedAfter: 132 })
      await call('C', ZH_HOTLINE, '2026-11-05 12:00:00', { answeredBy: a1, after: 40, endedAfter: 635 })
      await call('D', ZH_HOTLINE, '2026-11-05 13:00:00', { abandonedAfter: 3 })
      await call('E', ZH_HOTLINE, '2026-11-05 14:00:00', { abandonedAfter: 30 })
      await call('F', ZH_HOTLINE, null, { inMenu: true }) // hung up in the menu: never offered
      await call('G', EN_HOTLINE, '2026-11-05 15:00:00', { voicemail: true })
      // Ten seconds before local midnight, answered after it: 5 November, hour 23 (UTC: 15:59).
      await call('H', EN_HOTLINE, '2026-11-05 23:59:50', { answeredBy: a2, after: 20, endedAfter: 128 })
      // Answered by 1001 in 5 s; a failed transfer put them back in the queue at +180 s, where
      // they hung up at +220 s. Their first wait is what counts: answered within.
      await call('I', ZH_HOTLINE, '2026-11-05 09:00:00', { answeredBy: a1, after: 5, endedAfter: 220 },
        { enqueuedAfter: 180, abandonedAfter: 220 })
      await call('J', EN_HOTLINE, '2026-11-05 16:00:00', { waiting: true }) // still in the queue
      // 00:00:30 on 1 November in Shanghai is still 31 October in UTC: November's.
      await call('M', ZH_HOTLINE, '2026-11-01 00:00:30', { answeredBy: a1, after: 10, endedAfter: 125 })
      // 00:00:10 on 1 December in Shanghai is still 30 November in UTC: December's.
      await call('N', ZH_HOTLINE, '2026-12-01 00:00:10', { answeredBy: a2, after: 3, endedAfter: 60 })

      await offer('A', a1, '2026-11-05 10:00:00', 'accepted', [10, 15, 300]) // handle 290 s
      await offer('A', a2, '2026-11-05 10:00:00', 'cancelled') // a colleague took it: not missed
      await offer('B', a1, '2026-11-05 11:00:00', 'no_answer') // missed by 1001
      await offer('B', a2, '2026-11-05 11:00:00', 'accepted', [12, 16, 132]) // handle 120 s
      await offer('C', a2, '2026-11-05 12:00:00', 'busy') // missed by 1002
      await offer('C', a1, '2026-11-05 12:00:00', 'accepted', [35, 41, 635]) // handle 600 s
      await offer('H', a1, '2026-11-05 23:59:50', 'declined') // missed by 1001
      await offer('H', a2, '2026-11-05 23:59:50', 'accepted', [8, 21, 128]) // handle 120 s
      await offer('I', a1, '2026-11-05 09:00:00', 'accepted', [2, 6, 180]) // handle 178 s
      await offer('M', a1, '2026-11-01 00:00:30', 'accepted', [5, 11, 125]) // handle 120 s
      await offer('N', a1, '2026-12-01 00:00:10', 'no_answer') // December's: not November's
      await offer('N', a2, '2026-12-01 00:00:10', 'accepted', [1, 4, 60])
    }

    for (const job of ['1001', '2001', '3001']) {
      tokens[job] = (await login(h, job)).Authorization
    }
  })

  afterAll(async () => {
    await h?.close()
  })

  // November: A B C D E G H I M are settled and offered (9); J still waits; F never queued; N is
  // December's. Within 15 s: A 14, B 15 (exactly: within), I 5, M 10 = 4. Later: C 40, H 20.
  // Abandoned: D at 3 s (short), E at 30 s. Voicemail: G. 4 + 2 + 2 + 1 = 9.
  // Rate 4 / (9 − 1) = 0.5. Answered waits 5, 10, 14, 15, 20, 40: average 104 / 6 = 17.33,
  // p90 (percentile_disc: the first wait at or past 90 % of them, the 6th of 6) 40, longest 40.
  const NOVEMBER = [9, 4, 2, 2, 1, 1, 1, 0.5, 17.3, 40, 40]

  it('counts a month by hotline, with the total', async () => {
    const r = await report('2026-11', 'hotline')
    expect(r.period).toMatchObject({ label: '2026-11', kind: 'month' })
    expect(table(r.groups)).toEqual({
      // A B C D E I M: within A B I M = 4, later C, abandoned D (short) E; 4 / (7 − 1).
      // Waits 5, 10, 14, 15, 40: average 84 / 5 = 16.8; p90 the 5th of 5 = 40.
      [ZH_HOTLINE]: [7, 4, 1, 2, 1, 0, 0, 4 / 6, 16.8, 40, 40],
      // G voicemail, H later (20 s), J waiting: 0 / 2.
      [EN_HOTLINE]: [2, 0, 1, 0, 0, 1, 1, 0, 20, 20, 20],
    })
    // By number; the hotlines' own names as labels.
    expect(r.groups.map((g) => g.label)).toEqual(['首问服务热线', 'the Shouwen service hotline'])
    expect(table([r.total])).toEqual({ all: NOVEMBER })
  })

  it('puts a call by the local day and hour it entered the queue', async () => {
    const days = await report('2026-11', 'day')
    expect(table(days.groups)).toEqual({
      '2026-11-01': [1, 1, 0, 0, 0, 0, 0, 1, 10, 10, 10], // M at 00:00:30 local
      // A B C D E G H I (+ J waiting): within A B I, later C H; 3 / (8 − 1). Waits 5, 14, 15,
      // 20, 40: average 94 / 5 = 18.8.
      '2026-11-05': [8, 3, 2, 2, 1, 1, 1, 3 / 7, 18.8, 40, 40],
    })
    const hours = await report('2026-11', 'hour')
    expect(table(hours.groups)).toEqual({
      '00': [1, 1, 0, 0, 0, 0, 0, 1, 10, 10, 10], // M
      '09': [1, 1, 0, 0, 0, 0, 0, 1, 5, 5, 5], // I, by its first queue entry
      '10': [1, 1, 0, 0, 0, 0, 0, 1, 14, 14, 14], // A
      '11': [1, 1, 0, 0, 0, 0, 0, 1, 15, 15, 15], // B
      '12': [1, 0, 1, 0, 0, 0, 0, 0, 40, 40, 40], // C
      '13': [1, 0, 0, 1, 1, 0, 0, null, null, null, null], // D: 0 / (1 − 1) is no rate
      '14': [1, 0, 0, 1, 0, 0, 0, 0, null, null, null], // E
      '15': [1, 0, 0, 0, 0, 1, 0, 0, null, null, null], // G
      '16': [0, 0, 0, 0, 0, 0, 1, null, null, null, null], // J, still waiting
      '23': [1, 0, 1, 0, 0, 0, 0, 0, 20, 20, 20], // H, not 15 (UTC)
    })
    expect(table([hours.total])).toEqual({ all: NOVEMBER })
  })

  it('gives each agent their answers, handle time and missed rings', async () => {
    const r = await report('2026-11', 'agent')
    const extra = Object.fromEntries(
      r.groups.map((g) => [g.code, [g.answered, g.handleAvgSeconds, g.missedOffers]]),
    )
    expect(table(r.groups)).toEqual({
      // A 14, I 5, M 10 within, C 40 later: 3 / 4. Waits 5, 10, 14, 40: average 69 / 4 = 17.25,
      // shown 17.3; p90 the 4th of 4 = 40.
      '1001': [4, 3, 1, 0, 0, 0, 0, 0.75, 17.3, 40, 40],
      // B 15 within, H 20 later: 1 / 2; p90 the 2nd of 2 = 20.
      '1002': [2, 1, 1, 0, 0, 0, 0, 0.5, 17.5, 20, 20],
      // Nobody answered D, E, G (J still waits): 0 / (3 − 1).
      none: [3, 0, 0, 2, 1, 1, 1, 0, null, null, null],
    })
    expect(extra).toEqual({
      // Legs A 290, C 600, I 178, M 120: 1188 / 4 = 297. Missed B (no answer), H (declined);
      // N's ring is December's.
      '1001': [4, 297, 2],
      // Legs B 120, H 120. Missed C (busy); A was cancelled when 1001 took it: not missed.
      '1002': [2, 120, 1],
      none: [0, null, 0],
    })
    expect(r.groups.at(-1)?.label).toBe('not answered')
    // Six legs, 1428 s: 238 s. Three missed rings.
    expect(table([r.total])).toEqual({ all: NOVEMBER })
    expect([r.total.answered, r.total.handleAvgSeconds, r.total.missedOffers]).toEqual([6, 238, 3])
  })

  it('takes weeks and single days, cut at local midnight', async () => {
    // 2026-W45 is 2–8 November: every call of the 5th, not M (the 1st, a Sunday).
    expect(table([(await report('2026-W45', 'hotline')).total]).all?.slice(0, 3)).toEqual([8, 3, 2])
    expect(table([(await report('2026-11-05', 'hotline')).total]).all?.slice(0, 3)).toEqual([
      8, 3, 2,
    ])
    // 1 November local is M alone (UTC's 1 November would miss it and hold nothing else).
    expect(table([(await report('2026-11-01', 'hotline')).total]).all?.slice(0, 3)).toEqual([
      1, 1, 0,
    ])
    // 1 December local: N, answered in 3 s.
    expect(table([(await report('2026-12-01', 'day')).total]).all).toEqual([
      1, 1, 0, 0, 0, 0, 0, 1, 3, 3, 3,
    ])
    // Nothing at all: no rate, not 100 %.
    const empty = await report('2025-06', 'hotline')
    expect(empty.groups).toEqual([])
    expect(empty.total).toMatchObject({ offered: 0, serviceLevel: null, waitAvgSeconds: null })
  })

  describe('over HTTP', () => {
    const as = (job: string) => ({ Authorization: tokens[job] ?? '' })

    it('answers supervisors and managers with the same figures, and refuses agents', async () => {
      const sup = await request(h.app)
        .get('/api/rates/service-level?period=2026-11&by=agent')
        .set(as('2001'))
      expect(sup.status).toBe(200)
      expect(sup.body.bounds).toEqual(BOUNDS)
      expect(sup.body.total).toMatchObject({
        offered: 9,
        answeredWithin: 4,
        answeredLater: 2,
        abandoned: 2,
        abandonedShort: 1,
        voicemail: 1,
        waiting: 1,
        serviceLevel: 0.5,
        waitAvgSeconds: 17.3,
        waitP90Seconds: 40,
        waitMaxSeconds: 40,
      })
      expect(sup.body.groups[0]).toMatchObject({
        code: '1001',
        answered: 4,
        handleAvgSeconds: 297,
        missedOffers: 2,
        serviceLevel: 0.75,
      })
      const mgr = await request(h.app)
        .get('/api/rates/service-level?period=2026-11-05')
        .set(as('3001'))
      expect(mgr.status).toBe(200)
      expect(mgr.body).toMatchObject({ by: 'hotline', period: { kind: 'day' } })
      for (const path of ['/api/rates/service-level', '/api/rates/service-level.csv']) {
        const agent = await request(h.app).get(`${path}?period=2026-11`).set(as('1001'))
        expect(agent.status).toBe(403)
        expect((await request(h.app).get(`${path}?period=2026-11`)).status).toBe(401)
      }
    })

    it('sends the CSV with exactly those figures', async () => {
      const res = await request(h.app)
        .get('/api/rates/service-level.csv?period=2026-11&by=hotline')
        .set(as('2001'))
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/)
      expect(res.headers['content-disposition']).toContain('service-level-2026-11-hotline.csv')
      const lines = res.text
        .replace(/^\ufeff/, '')
        .trimEnd()
        .split('\r\n')
        .map((l) => l.split(','))
      expect(lines[0]).toEqual(SERVICE_LEVEL_CSV_HEADER)
      // prettier-ignore
      expect(lines.slice(1).map((l) => [l[2], ...l.slice(4)])).toEqual([
        // A leading + is quoted like a formula would be (see csvCell): the number stays text.
        ["'+8657112345", '7', '4', '1', '2', '1', '0', '0', '0.6667', '16.8', '40', '40', '', '', ''],
        ["'+15005550006", '2', '0', '1', '0', '0', '1', '1', '0.0000', '20', '20', '20', '', '', ''],
        ['all', '9', '4', '2', '2', '1', '1', '1', '0.5000', '17.3', '40', '40', '', '', ''],
      ])
    })

    it('says what is wrong with a bad period or dimension', async () => {
      for (const q of ['period=2026-13', 'period=2026-02-30', 'period=today', 'by=hotline']) {
        const res = await request(h.app).get(`/api/rates/service-level?${q}`).set(as('2001'))
        expect(res.status).toBe(400)
        expect(res.body.error.message).toMatch(/^period: .*2026-11.*2026-W48.*2026-11-05/)
      }
      const by = await request(h.app)
        .get('/api/rates/service-level.csv?period=2026-11&by=team')
        .set(as('2001'))
      expect(by.status).toBe(400)
      expect(by.body.error.message).toBe('by: must be one of hotline, day, hour, agent')
      // The weekly and monthly rates still take no single day.
      const rates = await request(h.app).get('/api/rates?period=2026-11-05').set(as('2001'))
      expect(rates.status).toBe(400)
    })
  })
})

/** Real calls through the webhooks (Twilio faked at its HTTP edge), not rows made by hand. */
describe('the service level of calls taken through the service', () => {
  // Monday 10:00 in Shanghai: every demo department is open.
  const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
  const clock = manualClock(MONDAY_10AM)
  let h: Harness
  let requeuedSid = ''
  const today = () =>
    buildServiceLevelReport(h.ctx.db, {
      period: parsePeriod('2026-11-23', SH, { allowDay: true }),
      by: 'agent',
      timeZone: SH,
      bounds: BOUNDS,
    })
  const callerRow = (sid: string) =>
    h.ctx.db
      .selectFrom('calls')
      .select([
        'queue_state',
        'enqueued_at',
        'answered_at',
        'first_enqueued_at',
        'first_answered_at',
      ])
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()

  beforeAll(async () => {
    h = await createHarness({ clock })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('keeps the first wait of a caller put back in the queue after a failed transfer', async () => {
    const call = await liveCall(h) // queued and answered by 1001 at 10:00:00: a wait of 0 s
    requeuedSid = call.callerSid
    expect(table((await today()).groups)).toEqual({ '1001': [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0] })

    clock.advance(60_000)
    const from = h.edge.requests.length
    const t = await request(h.app)
      .post(`/api/cases/${call.reference}/transfers`)
      .set(call.auth)
      .send({ department: 'engineering', note: '今天派人上门' })
    expect(t.status).toBe(201)
    const leg = requestsSince(h, from, 'CreateCall')[0]
    // 1001 leaves; engineering never answers: the caller goes back in the queue at 10:01:00.
    await call.conference('participant-leave', call.agentLegSid)
    await statusOf(h, leg, 'no-answer', 2)
    const row = await callerRow(call.callerSid)
    expect(row).toMatchObject({ queue_state: 'waiting', answered_at: null })
    expect(row.enqueued_at).toEqual(new Date(MONDAY_10AM.getTime() + 60_000))
    expect(row.first_enqueued_at).toEqual(MONDAY_10AM)
    expect(row.first_answered_at).toEqual(MONDAY_10AM)
    // Still answered within (0 s), not "waiting" since 10:01 nor offered a second time.
    expect(table((await today()).groups)).toEqual({ '1001': [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0] })
  })

  it('does not count an answer whose agent never reached the caller', async () => {
    // The requeued caller above hangs up in the queue: answered once, so not abandoned.
    await h.twilioPost('/voice/status', {
      CallSid: requeuedSid,
      CallStatus: 'completed',
      SequenceNumber: '9',
    })
    expect((await callerRow(requeuedSid)).queue_state).toBe('abandoned')
    expect(table((await today()).groups)).toEqual({ '1001': [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0] })
    // Only 1002 is free, so the first ring is theirs alone.
    await h.ctx.db.updateTable('agents').set({ presence: 'away' }).execute()
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1002')
      .execute()
    const sid = await queuedCall(h, '1', '+8613900005678') // 10:01:00
    clock.advance(8_000)
    const from = h.edge.requests.length
    await runDispatch(h.ctx)
    const first = requestsSince(h, from, 'CreateCall')[0]
    expect(first?.data['To']).toBe('client:agent-1002')
    await legStatus(h, first, 'ringing', 1)
    await answerAndPress(h, first) // claimed at 8 s
    expect((await callerRow(sid)).first_answered_at).toEqual(clock.now())
    // The agent's line drops before the conference: the caller is back to waiting, unanswered.
    await legStatus(h, first, 'completed', 3, { CallDuration: '3' })
    expect(await callerRow(sid)).toMatchObject({ queue_state: 'waiting', first_answered_at: null })
    const r = await today()
    // The first call as before; this one is still waiting: not yet offered.
    expect(table([r.total])).toEqual({ all: [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0] })

    // Another agent takes them 30 s after they first queued: answered later than 15 s.
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1003')
      .execute()
    clock.advance(22_000)
    const again = h.edge.requests.length
    await runDispatch(h.ctx)
    const taker = requestsSince(h, again, 'CreateCall').find(
      (c) => c.data['To'] === 'client:agent-1003',
    )
    await legStatus(h, taker, 'ringing', 1)
    await answerAndPress(h, taker)
    // Waits 0 and 30: average 15, p90 (the 2nd of 2) 30.
    expect(table([(await today()).total])).toEqual({ all: [2, 1, 1, 0, 0, 0, 0, 0.5, 15, 30, 30] })

    // The live board's "today so far" is the same count.
    const board = await request(h.app)
      .get('/api/board')
      .set(await login(h, '2001'))
    expect(board.status).toBe(200)
    expect(board.body.today).toEqual({
      day: '2026-11-23',
      answerSeconds: 15,
      offered: 2,
      answeredWithin: 1,
      serviceLevel: 0.5,
      abandoned: 0,
      abandonedShort: 0,
      waitAvgSeconds: 15,
      waitMaxSeconds: 30,
    })
  })
})
