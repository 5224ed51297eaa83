import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'

describe('case notes and covering for an absent first owner', () => {
  let h: Harness
  let call: LiveCall
  beforeEach(async () => {
    h = await createHarness({ env: { RING_WAVE_SIZE: '1' } })
    call = await liveCall(h)
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const events = async (type: string) =>
    h.ctx.db
      .selectFrom('case_events as e')
      .innerJoin('cases as k', 'k.id', 'e.case_id')
      .leftJoin('agents as a', 'a.id', 'e.actor_agent_id')
      .leftJoin('agents as o', 'o.id', 'e.first_owner_id')
      .select(['a.job_number as actor', 'o.job_number as owner', 'e.data'])
      .where('k.reference', '=', call.reference)
      .where('e.type', '=', type)
      .orderBy('e.id')
      .execute()

  it('lets the owner add a note to the timeline, and refuses an empty one', async () => {
    const r = await api()
      .post(`/api/cases/${call.reference}/notes`)
      .set(call.auth)
      .send({ text: ' Caller will send photos of the leak by SMS. ' })
    expect(r.status).toBe(201)
    expect(r.body.note).toMatchObject({ text: 'Caller will send photos of the leak by SMS.' })
    expect(await events('note_added')).toEqual([
      {
        actor: '1001',
        owner: '1001',
        data: { text: 'Caller will send photos of the leak by SMS.' },
      },
    ])
    for (const body of [{ text: '   ' }, {}, { text: 'x'.repeat(2001) }, { text: 'ok', more: 1 }]) {
      const bad = await api().post(`/api/cases/${call.reference}/notes`).set(call.auth).send(body)
      expect(bad.status, JSON.stringify(body)).toBe(400)
      expect(bad.body.error.message).toBeTruthy()
    }
    expect(
      (await api().post('/api/cases/HL-20261123-9999/notes').set(call.auth).send({ text: 'hi' }))
        .status,
    ).toBe(404)
    expect(await events('note_added')).toHaveLength(1)
  })

  it('lets a colleague cover while the owner is away, on the owner’s behalf', async () => {
    const colleague = await login(h, '1002')
    // The owner is on the line: a colleague may not touch the case.
    const refused = await api()
      .post(`/api/cases/${call.reference}/notes`)
      .set(colleague)
      .send({ text: 'Trying to help' })
    expect(refused.status).toBe(403)
    expect(
      (await api().get(`/api/cases/${call.reference}`).set(colleague)).status,
      'nor read it',
    ).toBe(403)

    const away = await api()
      .put('/api/me/presence')
      .set(call.auth)
      .send({ presence: 'away', reason: 'site visit' })
    expect(away.status).toBe(200)
    const note = await api()
      .post(`/api/cases/${call.reference}/notes`)
      .set(colleague)
      .send({ text: 'Caller rang again; told them the plumber comes at 3.' })
    expect(note.status).toBe(201)
    const done = await api()
      .post(`/api/cases/${call.reference}/work-done`)
      .set(colleague)
      .send({ summary: 'Plumber replaced the valve' })
    expect(done.status).toBe(202)

    const [n] = await events('note_added')
    expect(n).toMatchObject({ actor: '1002', owner: '1001', data: { onBehalfOf: '1001' } })
    const [w] = await events('work_done')
    expect(w).toMatchObject({ actor: '1002', owner: '1001', data: { onBehalfOf: '1001' } })
    const kase = await api().get(`/api/cases/${call.reference}`).set(colleague)
    expect(kase.body.case).toMatchObject({
      status: 'awaiting_confirmation',
      firstOwnerJobNumber: '1001',
    })

    // The owner is back: the colleague's cover ends.
    await api().put('/api/me/presence').set(call.auth).send({ presence: 'available' })
    const after = await api()
      .post(`/api/cases/${call.reference}/notes`)
      .set(colleague)
      .send({ text: 'One more thing' })
    expect(after.status).toBe(403)
    expect(await events('note_added')).toHaveLength(1)
  })

  it('does not mark the owner’s own actions as on anyone’s behalf', async () => {
    await api()
      .post(`/api/cases/${call.reference}/work-done`)
      .set(call.auth)
      .send({ summary: 'Fixed it myself' })
    const [w] = await events('work_done')
    expect(w?.data).toEqual({ summary: 'Fixed it myself' })
  })
})
