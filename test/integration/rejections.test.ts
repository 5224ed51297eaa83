import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'

describe('the rejection file (否定报备)', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock()
  beforeEach(async () => {
    clock.set(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    call = await liveCall(h)
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const path = (suffix = '') => `/api/cases/${call.reference}/decline${suffix}`
  const caseRow = () =>
    h.ctx.db
      .selectFrom('cases')
      .selectAll()
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
  const timeline = () =>
    h.ctx.db
      .selectFrom('case_events as e')
      .innerJoin('cases as k', 'k.id', 'e.case_id')
      .leftJoin('agents as a', 'a.id', 'e.actor_agent_id')
      .leftJoin('agents as o', 'o.id', 'e.first_owner_id')
      .select(['e.type', 'a.job_number as actor', 'o.job_number as owner', 'e.data'])
      .where('k.reference', '=', call.reference)
      .where('e.type', 'in', ['decline_requested', 'decline_refused', 'case_declined'])
      .orderBy('e.id')
      .execute()
  const notices = (kind: string) =>
    h.ctx.db
      .selectFrom('notifications as n')
      .innerJoin('agents as a', 'a.id', 'n.agent_id')
      .select('a.job_number')
      .where('n.kind', '=', kind)
      .orderBy('a.job_number')
      .execute()
      .then((rows) => rows.map((r) => r.job_number))

  it('asks, is refused, asks again, is approved: the case ends declined and in the file', async () => {
    const sup = await login(h, '2001')
    const manager = await login(h, '3001')
    const reason = 'The caller asks us to evict a tenant; not ours to do.'

    const asked = await api().post(path()).set(call.auth).send({ reason })
    expect(asked.status).toBe(202)
    expect(await notices('decline_requested')).toEqual(['2001', '3001'])
    expect((await api().post(path()).set(call.auth).send({ reason })).status).toBe(409)

    const refused = await api()
      .post(path('/reject'))
      .set(sup)
      .send({ note: 'Refer them to the housing office instead.' })
    expect(refused.status).toBe(200)
    expect((await caseRow()).status).toBe('open')
    expect(await notices('decline_refused')).toEqual(['1001'])

    // A promised reply is pending; the approval must cancel it.
    const promised = await api()
      .post(`/api/cases/${call.reference}/promise`)
      .set(call.auth)
      .send({ replyBy: '2026-11-23T06:00:00Z' })
    expect(promised.status).toBe(201)
    clock.advance(60_000)
    expect((await api().post(path()).set(call.auth).send({ reason })).status).toBe(202)
    const waiting = await api().get('/api/rejections/waiting').set(sup)
    expect(waiting.body.waiting).toEqual([
      expect.objectContaining({
        reference: call.reference,
        reason,
        requestedBy: expect.objectContaining({ jobNumber: '1001' }),
      }),
    ])
    expect((await api().get('/api/rejections/waiting').set(call.auth)).status).toBe(403)
    const approved = await api().post(path('/approve')).set(manager).send({ note: 'Agreed.' })
    expect(approved.body).toEqual({ reference: call.reference, status: 'declined' })

    expect((await api().get('/api/rejections/waiting').set(sup)).body.waiting).toEqual([])
    const row = await caseRow()
    expect(row).toMatchObject({
      status: 'declined',
      declined_reason: reason,
      declined_at: new Date('2026-11-23T02:01:00Z'),
    })
    const ids = await h.ctx.db
      .selectFrom('agents')
      .select(['id', 'job_number'])
      .where('job_number', 'in', ['1001', '3001'])
      .orderBy('job_number')
      .execute()
    expect([row.declined_by, row.decline_approved_by]).toEqual(ids.map((a) => a.id))
    const open = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('step')
      .where('case_id', '=', row.id)
      .where('outcome', '=', 'open')
      .execute()
    expect(open).toEqual([])
    const callbacks = await h.ctx.db
      .selectFrom('callbacks')
      .select(['status', 'outcome'])
      .where('case_id', '=', row.id)
      .execute()
    expect(callbacks).toEqual([{ status: 'cancelled', outcome: 'declined' }])

    expect(await timeline()).toEqual([
      {
        type: 'decline_requested',
        actor: '1001',
        owner: '1001',
        data: expect.objectContaining({ reason }),
      },
      {
        type: 'decline_refused',
        actor: '2001',
        owner: '1001',
        data: expect.objectContaining({
          requestedBy: '1001',
          note: 'Refer them to the housing office instead.',
        }),
      },
      {
        type: 'decline_requested',
        actor: '1001',
        owner: '1001',
        data: expect.objectContaining({ reason }),
      },
      {
        type: 'case_declined',
        actor: '3001',
        owner: '1001',
        data: expect.objectContaining({ reason, requestedBy: '1001', note: 'Agreed.' }),
      },
    ])

    const file = await api().get('/api/rejections?month=2026-11').set(sup)
    expect(file.status).toBe(200)
    expect(file.body).toEqual({
      month: '2026-11',
      rejections: [
        {
          reference: call.reference,
          category: 'repair',
          firstOwner: '1001',
          reason,
          requestedBy: { jobNumber: '1001', name: 'Li Na 李娜' },
          approvedBy: { jobNumber: '3001', name: 'Zhao Lei 赵磊' },
          approvalNote: 'Agreed.',
          declinedAt: '2026-11-23T02:01:00.000Z',
        },
      ],
    })
    expect((await api().get('/api/rejections?month=2026-10').set(sup)).body.rejections).toEqual([])

    // A declined case takes no new request, and nothing waits to be approved.
    expect((await api().post(path()).set(call.auth).send({ reason })).status).toBe(409)
    expect((await api().post(path('/approve')).set(sup).send({})).status).toBe(409)
  })

  it('lets only a supervisor or manager other than the asker decide, and refuses bad input', async () => {
    const agent2 = await login(h, '1002')
    const sup = await login(h, '2001')
    const admin = await login(h, '9001')
    expect((await api().post(path()).set(call.auth).send({ reason: 'too short' })).status).toBe(400)
    expect((await api().post(path()).set(call.auth).send({})).status).toBe(400)
    expect(await timeline()).toEqual([])
    expect((await api().post(path('/approve')).set(sup).send({})).status, 'nothing asked').toBe(409)

    // The supervisor asks on a case they may work on; they cannot approve their own request.
    const reason = 'Duplicate of a case already being handled.'
    expect((await api().post(path()).set(sup).send({ reason })).status).toBe(202)
    expect(await notices('decline_requested'), 'not the asker').toEqual(['3001'])
    expect((await api().post(path('/approve')).set(sup).send({})).status).toBe(403)
    for (const who of [call.auth, agent2, admin]) {
      expect((await api().post(path('/approve')).set(who).send({})).status).toBe(403)
      expect((await api().post(path('/reject')).set(who).send({ note: 'no way' })).status).toBe(403)
      expect((await api().get('/api/rejections?month=2026-11').set(who)).status).toBe(
        who === admin ? 200 : 403,
      )
    }
    const mgr = await login(h, '3001')
    expect((await api().post(path('/reject')).set(mgr).send({})).status).toBe(400)
    expect((await api().post(path('/approve')).set(mgr).send({ note: 5 })).status).toBe(400)
    expect((await api().get('/api/rejections').set(sup)).status).toBe(400)
    expect((await api().get('/api/rejections?month=2026-13').set(sup)).status).toBe(400)
    expect((await caseRow()).status).toBe('open')
    expect(
      (await api().post('/api/cases/HL-20261123-9999/decline/approve').set(mgr).send({})).status,
    ).toBe(404)
    expect((await timeline()).map((e) => e.type)).toEqual(['decline_requested'])
  })
})
