import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { createdCalls, legSidOf } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf, ZH_HOTLINE } from '../helpers/harness.ts'
import { find, parseTwiml, verbs } from '../helpers/twiml.ts'

/** Monday 23 November 2026, 10:00 in Shanghai. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const WALK_IN_PHONE = '+8613800005555'

describe('a case recorded by a staff member (walk-in, relay, instruction, letter, e-mail)', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const api = () => request(h.app)
  async function as(jobNumber: string) {
    const r = await api().post('/api/auth/login').send({ jobNumber, password: DEMO_PASSWORD })
    return { Authorization: `Bearer ${r.body.token}` }
  }
  const walkIn = {
    source: 'walk_in',
    caller: { name: 'Li Mei', phone: WALK_IN_PHONE },
    category: 'repair',
    variant: 'simple',
    place: 'Block 3, 502',
    content: 'The hall light bulb is out',
  }
  const deadlines = (caseId: string) =>
    h.ctx.db
      .selectFrom('case_deadlines')
      .select(['step', 'due_at', 'done_at'])
      .where('case_id', '=', caseId)
      .orderBy('step')
      .execute()

  it('makes the recorder first owner at once, and the caller closes it on the return call', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const auth = await as('1001')
    const created = await api().post('/api/cases').set(auth).send(walkIn)
    expect(created.status).toBe(201)
    const kase = created.body.case as { id: string; reference: string }
    expect(created.body.case).toMatchObject({
      source: 'walk_in',
      status: 'open',
      categoryCode: 'repair',
      variant: 'simple',
      firstOwnerJobNumber: '1001',
      firstOwnedAt: MONDAY_10AM.toISOString(),
      place: 'Block 3, 502',
      contactName: 'Li Mei',
      contactPhone: WALK_IN_PHONE,
      hotlineNumber: ZH_HOTLINE,
    })
    // Recorded and dispatched at once; a simple repair is due in half a working day: 270 of
    // the default day's 540 working minutes, from Monday 10:00 to 14:30 (06:30 UTC).
    expect(
      (await deadlines(kase.id)).map((d) => [d.step, d.due_at.toISOString(), d.done_at]),
    ).toEqual([
      ['dispatch', '2026-11-23T02:02:00.000Z', MONDAY_10AM],
      ['record', '2026-11-23T02:01:00.000Z', MONDAY_10AM],
      ['resolution', '2026-11-23T06:30:00.000Z', null],
    ])
    // The trigger keeps the recorder as first owner, as for an answered call.
    const other = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '1002')
      .executeTakeFirstOrThrow()
    await expect(
      h.ctx.db
        .updateTable('cases')
        .set({ first_owner_id: other.id })
        .where('id', '=', kase.id)
        .execute(),
    ).rejects.toThrow(/first owner/)

    clock.set(new Date(MONDAY_10AM.getTime() + 60 * 60_000))
    const done = await api()
      .post(`/api/cases/${kase.reference}/work-done`)
      .set(auth)
      .send({ summary: 'Changed the bulb' })
    expect(done.status).toBe(202)
    const cb = await h.ctx.db
      .selectFrom('callbacks')
      .select(['id', 'due_at'])
      .where('case_id', '=', kase.id)
      .executeTakeFirstOrThrow()
    clock.set(cb.due_at)
    expect(await dialCallback(h.ctx, { callbackId: cb.id, attempt: 1 })).toBe('dialled')
    const dial = createdCalls(h).at(-1)
    // The return call rings the phone the walk-in gave, from the hotline.
    expect(dial?.data).toMatchObject({ To: WALK_IN_PHONE, From: ZH_HOTLINE })
    const answer = parseTwiml(
      (
        await h.twilioPost(pathOf(String(dial?.data['Url'])), {
          CallSid: legSidOf(dial),
          AnsweredBy: 'human',
        })
      ).text,
    )
    const rate = parseTwiml(
      (
        await h.twilioPost(pathOf(find(answer, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(dial),
          Digits: '1',
        })
      ).text,
    )
    expect(verbs(rate)[0]).toBe('Gather')
    const row = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'closed_by', 'source'])
      .where('id', '=', kase.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'closed', closed_by: 'caller', source: 'walk_in' })
    const types = await h.ctx.db
      .selectFrom('case_events')
      .select(['type', 'data'])
      .where('case_id', '=', kase.id)
      .orderBy('id')
      .execute()
    expect(types.slice(0, 2)).toEqual([
      { type: 'case_opened', data: { via: 'walk_in', category: 'repair', variant: 'simple' } },
      { type: 'first_owner_claimed', data: { via: 'walk_in' } },
    ])
    expect(types.map((t) => t.type)).toContain('case_closed_by_caller')
  })

  it('gives a case without a category the manager’s working day', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const r = await api()
      .post('/api/cases')
      .set(await as('1001'))
      .send({
        source: 'superior',
        caller: { name: null, phone: WALK_IN_PHONE },
        content: 'Check the car park barrier',
      })
    expect(r.status).toBe(201)
    expect(r.body.case).toMatchObject({ source: 'superior', categoryCode: null, variant: null })
    const d = await deadlines(r.body.case.id as string)
    // No place yet: the record step stays open. Resolution: one working day, Tuesday 10:00.
    expect(d.map((x) => [x.step, x.due_at.toISOString(), x.done_at !== null])).toEqual([
      ['dispatch', '2026-11-23T02:02:00.000Z', true],
      ['record', '2026-11-23T02:01:00.000Z', false],
      ['resolution', '2026-11-24T02:00:00.000Z', false],
    ])
  })

  it('reports an emergency to the duty supervisor at once, as an emergency call does', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const r = await api()
      .post('/api/cases')
      .set(await as('1001'))
      .send({
        source: 'internal',
        caller: { name: 'Security desk', phone: WALK_IN_PHONE },
        category: 'emergency',
        place: 'Lift 2, Block 5',
        content: 'Two residents trapped in the lift',
      })
    expect(r.status).toBe(201)
    expect(r.body.case).toMatchObject({ urgency: 'emergency', source: 'internal' })
    const told = await h.ctx.db
      .selectFrom('notifications')
      .innerJoin('hotlines', 'hotlines.duty_supervisor_id', 'notifications.agent_id')
      .select(['notifications.kind', 'notifications.body'])
      .where('hotlines.phone_number', '=', ZH_HOTLINE)
      .execute()
    expect(told).toEqual([
      { kind: 'emergency', body: expect.stringContaining(r.body.case.reference as string) },
    ])
    // On site within 10 minutes (#25): the emergency category's own limit.
    const d = await deadlines(r.body.case.id as string)
    expect(d.find((x) => x.step === 'resolution')?.due_at.toISOString()).toBe(
      '2026-11-23T02:10:00.000Z',
    )
  })

  it('answers bad input with a clear 400 and records nothing', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const auth = await as('1001')
    const cases: [Record<string, unknown>, string][] = [
      [{ ...walkIn, source: 'call' }, 'source must be'],
      [{ ...walkIn, caller: { name: 'Li' } }, 'caller.phone is required'],
      [{ ...walkIn, caller: { name: 'Li', phone: '12345' } }, 'caller.phone must be'],
      [{ ...walkIn, content: ' ' }, 'content is empty'],
      [{ ...walkIn, category: 'plumbing' }, 'unknown category'],
      [{ ...walkIn, variant: 'serious' }, 'is not a variant of repair'],
      [{ ...walkIn, category: null }, 'a variant needs its category'],
      [{ ...walkIn, hotline: '+8657100000' }, 'is not one of this service'],
      [{ ...walkIn, extra: 1 }, 'extra'],
    ]
    for (const [body, message] of cases) {
      const r = await api().post('/api/cases').set(auth).send(body)
      expect([r.status, JSON.stringify(r.body)]).toEqual([400, expect.stringContaining(message)])
    }
    expect((await api().post('/api/cases').send(walkIn)).status).toBe(401)
    const count = async (t: 'cases' | 'callers' | 'case_events') =>
      (
        await h.ctx.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n
    expect([await count('cases'), await count('callers'), await count('case_events')]).toEqual([
      '0',
      '0',
      '0',
    ])
  })
})
