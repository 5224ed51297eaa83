import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import type { SimEvent, Simulator } from '../../src/telephony/simulator/simulator.ts'
import { ZH_HOTLINE } from '../helpers/harness.ts'
import { type RunningService, startSimulatedService, until } from '../helpers/service.ts'

/**
 * The transfer path a newcomer runs from the README, on the simulator's real conference rules
 * (including Twilio's: endConferenceOnExit is ignored for a held participant).
 */
describe('a warm transfer in the simulator', () => {
  let ctx: AppContext
  let sim: Simulator
  let base: string
  let service: RunningService
  const events: SimEvent[] = []

  beforeAll(async () => {
    service = await startSimulatedService()
    ;({ ctx, sim, base } = service)
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    sim.subscribe((e) => events.push(e))
    sim.registerDevice('client:agent-1001', { autoAnswer: { afterMs: 50, digits: '1' } })
  })
  afterAll(() => service.stop())

  async function api(path: string, body?: object) {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobNumber: '1001', password: DEMO_PASSWORD }),
    })
    const { token } = (await login.json()) as { token: string }
    const r = await fetch(`${base}/api${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body && { body: JSON.stringify(body) }),
    })
    return { status: r.status, body: (await r.json()) as Record<string, unknown> }
  }

  /** A caller talking to agent 1001; returns the case and both legs. */
  async function connected(from: string) {
    await ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1001')
      .execute()
    const { callSid } = await sim.placeCall({ from, to: ZH_HOTLINE })
    await until('the menu', () => events.find((e) => e.type === 'gather' && e.callSid === callSid))
    sim.press(callSid, '1')
    const conferenceName = `call-${callSid}`
    await until('caller and agent talking', () => {
      const c = sim
        .snapshot()
        .conferences.find((x) => x.name === conferenceName && x.status === 'in-progress')
      return c?.participants.length === 2 ? c : undefined
    })
    const kase = await ctx.db
      .selectFrom('cases')
      .innerJoin('calls', 'calls.case_id', 'cases.id')
      .select(['cases.id', 'cases.reference', 'cases.first_owner_id'])
      .where('calls.call_sid', '=', callSid)
      .executeTakeFirstOrThrow()
    const offer = await ctx.db
      .selectFrom('agent_offers')
      .select('leg_call_sid')
      .where('call_sid', '=', callSid)
      .where('status', '=', 'accepted')
      .executeTakeFirstOrThrow()
    await until('the conference SID recorded', () =>
      ctx.db
        .selectFrom('calls')
        .select('conference_sid')
        .where('call_sid', '=', callSid)
        .where('conference_sid', 'is not', null)
        .executeTakeFirst(),
    )
    return { callSid, conferenceName, kase, agentLeg: offer.leg_call_sid ?? '' }
  }
  const room = (name: string) =>
    sim.snapshot().conferences.find((c) => c.name === name && c.status !== 'completed')

  it('briefs the department, bridges the caller, and lets the owner leave; ownership stays', async () => {
    sim.registerDevice('client:dept-engineering-1', { autoAnswer: { afterMs: 50, digits: '1' } })
    const c = await connected('+8613911110001')
    const t = await api(`/cases/${c.kase.reference}/transfers`, {
      department: 'engineering',
      note: 'Please send a plumber today',
    })
    expect(t.status, JSON.stringify(t.body)).toBe(201)
    const id = String(t.body['id'])

    const consulting = await until('department in the room, caller on hold', () => {
      const conf = room(c.conferenceName)
      const caller = conf?.participants.find((p) => p.callSid === c.callSid)
      return conf?.participants.length === 3 && caller?.hold ? conf : undefined
    })
    expect(consulting.status).toBe('in-progress')
    const heard = events
      .filter((e) => e.type === 'say' && e.callSid !== c.callSid && e.callSid !== c.agentLeg)
      .map((e) => (e.type === 'say' ? e.text : ''))
    expect(heard.some((s) => s.includes('Please send a plumber today'))).toBe(true)

    expect((await api(`/transfers/${id}/bridge`, {})).status).toBe(200)
    await until('caller off hold', () => {
      const caller = room(c.conferenceName)?.participants.find((p) => p.callSid === c.callSid)
      return caller && !caller.hold
    })
    // The owner introduces the department and leaves; the caller and the department stay.
    sim.hangup(c.agentLeg)
    const after = await until('owner gone, two left', () => {
      const conf = room(c.conferenceName)
      return conf?.participants.length === 2 ? conf : undefined
    })
    expect(after.participants.map((p) => p.callSid)).toContain(c.callSid)

    const kase = await ctx.db
      .selectFrom('cases')
      .innerJoin('departments', 'departments.id', 'cases.assignee_department_id')
      .select(['cases.first_owner_id', 'cases.status', 'departments.code', 'cases.assignee_due_at'])
      .where('cases.id', '=', c.kase.id)
      .executeTakeFirstOrThrow()
    expect(kase).toMatchObject({
      first_owner_id: c.kase.first_owner_id,
      status: 'transferred',
      code: 'engineering',
    })
    expect(kase.assignee_due_at).toBeInstanceOf(Date)
    const types = (
      await ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('case_id', '=', c.kase.id)
        .orderBy('id')
        .execute()
    ).map((e) => e.type)
    expect(types).toEqual(
      expect.arrayContaining([
        'transfer_started',
        'transfer_accepted',
        'assigned_to_department',
        'transfer_bridged',
      ]),
    )
    // The text with the department's contact reached the caller's phone.
    expect(
      sim.snapshot().sms.some((m) => m.to === '+8613911110001' && m.body.includes('+8657112301')),
    ).toBe(true)

    sim.hangup(c.callSid)
    await until('conference over', () => (room(c.conferenceName) ? undefined : true))
    sim.unregisterDevice('client:dept-engineering-1')
  })

  it('never leaves the department ringing when the caller hangs up on hold', async () => {
    // Nobody answers at engineering now: its phone just rings.
    sim.registerDevice('client:dept-engineering-1')
    const c = await connected('+8613911110002')
    const t = await api(`/cases/${c.kase.reference}/transfers`, { department: 'engineering' })
    expect(t.status, JSON.stringify(t.body)).toBe(201)
    const leg = await until('department ringing', () =>
      sim
        .snapshot()
        .calls.find((x) => x.to === 'client:dept-engineering-1' && x.status === 'ringing'),
    )
    // The owner leaves first: with the flags set before the hold, the caller is not dropped.
    sim.hangup(c.agentLeg)
    await until('owner left, caller still held', () => {
      const conf = room(c.conferenceName)
      return conf?.participants.length === 1 && conf.participants[0]?.callSid === c.callSid
    })
    sim.hangup(c.callSid)
    const ended = await until('department leg stopped', () => {
      const x = sim.snapshot().calls.find((y) => y.sid === leg.sid)
      return x && x.status !== 'ringing' ? x : undefined
    })
    expect(ended.status).toBe('canceled')
    const row = await until('transfer marked', () =>
      ctx.db
        .selectFrom('transfers')
        .select('status')
        .where('id', '=', String(t.body['id']))
        .where('status', '=', 'caller_gone')
        .executeTakeFirst(),
    )
    expect(row.status).toBe('caller_gone')
  })
})
