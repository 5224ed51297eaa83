import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

describe('the department directory and routing table', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)

  it('is readable by every agent and lists on-duty people and categories', async () => {
    const r = await api()
      .get('/api/departments')
      .set(await login(h, '1001'))
    expect(r.status).toBe(200)
    const eng = (r.body.departments as { code: string }[]).find((d) => d.code === 'engineering')
    expect(eng).toMatchObject({
      name: '工程部',
      nameEn: 'Engineering',
      publicPhone: '+8657112301',
      categories: ['emergency', 'repair'],
      people: [
        { name: 'Wu Gang 吴刚', clientIdentity: 'dept-engineering-1', onDuty: true },
        { name: 'Zheng Hao 郑浩', clientIdentity: 'dept-engineering-2', onDuty: true },
      ],
    })
  })

  it('lets supervisors change it, records each change as an event, and refuses agents', async () => {
    const sup = await login(h, '2001')
    const agent = await login(h, '1001')
    const created = await api().post('/api/departments').set(sup).send({
      code: 'security',
      name: '安保部',
      nameEn: 'Security',
      contactName: 'Ma Jun',
      publicPhone: '+8657112399',
      serviceHours: '00:00-24:00',
    })
    expect(created.status).toBe(201)
    const withPerson = await api()
      .post('/api/departments/security/people')
      .set(sup)
      .send({ name: 'Guard One', phoneNumber: '+8613700000001', rank: 1 })
    expect(withPerson.status).toBe(201)
    const person = withPerson.body.people[0] as { id: number; onDuty: boolean }
    expect(person.onDuty).toBe(false)
    const onDuty = await api()
      .patch(`/api/departments/security/people/${person.id}`)
      .set(sup)
      .send({ onDuty: true })
    expect(onDuty.body.people[0].onDuty).toBe(true)
    const routed = await api()
      .put('/api/departments/security/categories')
      .set(sup)
      .send({ categories: ['emergency', 'neighbour'] })
    expect(routed.body.categories).toEqual(['emergency', 'neighbour'])

    const events = await api().get('/api/directory/events').set(sup)
    expect(
      (events.body.events as { entity: string; action: string }[])
        .map((e) => `${e.entity}:${e.action}`)
        .reverse(),
    ).toEqual([
      'department:created',
      'department_person:added',
      'department_person:on_duty',
      'department_categories:replaced',
    ])

    // An agent reads but cannot change; nothing moves.
    expect(
      (await api().patch('/api/departments/security').set(agent).send({ active: false })).status,
    ).toBe(403)
    expect((await api().get('/api/directory/events').set(agent)).status).toBe(403)
    const after = await api().get('/api/departments').set(agent)
    expect(
      (after.body.departments as { code: string; active: boolean }[]).find(
        (d) => d.code === 'security',
      )?.active,
    ).toBe(true)
  })

  it('refuses bad input with a clear error and changes nothing', async () => {
    const sup = await login(h, '2001')
    const before = await h.ctx.db.selectFrom('directory_events').selectAll().execute()
    const cases: [string, string, object, number][] = [
      ['post', '/api/departments', { code: 'Bad Code', name: 'x' }, 400],
      ['post', '/api/departments', { code: 'engineering', name: 'again' }, 409],
      ['patch', '/api/departments/nowhere', { name: 'x' }, 404],
      ['patch', '/api/departments/engineering', { serviceHours: '25:00-26:00' }, 400],
      ['post', '/api/departments/engineering/people', { name: 'No Phone' }, 400],
      ['put', '/api/departments/engineering/categories', { categories: ['unknown_cat'] }, 400],
      ['patch', '/api/departments/engineering/people/99999', { onDuty: true }, 404],
    ]
    for (const [method, path, body, status] of cases) {
      const r = await (api() as unknown as Record<string, (p: string) => request.Test>)[method]!(
        path,
      )
        .set(sup)
        .send(body)
      expect(r.status, `${method} ${path}`).toBe(status)
      expect(r.body.error.message).toBeTruthy()
    }
    expect(await h.ctx.db.selectFrom('directory_events').selectAll().execute()).toEqual(before)
    const eng = await api().get('/api/departments').set(sup)
    expect(
      (eng.body.departments as { code: string; categories: string[] }[]).find(
        (d) => d.code === 'engineering',
      )?.categories,
    ).toEqual(['emergency', 'repair'])
  })

  it('keeps directory events append-only', async () => {
    const sup = await login(h, '2001')
    await api()
      .put('/api/external-bodies/gas-company')
      .set(sup)
      .send({ name: 'Gas Co', phone: '96777' })
    await expect(h.ctx.db.deleteFrom('directory_events').execute()).rejects.toThrow(/append-only/)
  })
})
