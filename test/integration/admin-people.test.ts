import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { listFreeAgents } from '../../src/agents/agents.repository.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

describe('administration of agents and categories', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const send = (method: string, path: string) =>
    (api() as unknown as Record<string, (p: string) => request.Test>)[method]!(path)
  const adminEvents = () => h.ctx.db.selectFrom('admin_events').selectAll().orderBy('id').execute()
  const logInWith = (jobNumber: string, password: string) =>
    api().post('/api/auth/login').send({ jobNumber, password })
  const newcomer = {
    jobNumber: '1004',
    name: 'Sun Li 孙丽',
    role: 'agent',
    clientIdentity: 'agent-1004',
    departmentCode: 'customer-relations',
    password: 'first-day-2026',
  }

  it('creates an agent who can log in, then deactivates and reactivates them', async () => {
    const admin = await login(h, '9001')
    const created = await api().post('/api/admin/agents').set(admin).send(newcomer)
    expect(created.status).toBe(201)
    expect(created.body.agent).toEqual({
      jobNumber: '1004',
      name: 'Sun Li 孙丽',
      role: 'agent',
      phoneNumber: null,
      clientIdentity: 'agent-1004',
      departmentCode: 'customer-relations',
      active: true,
      presence: 'away',
    })
    const session = await logInWith('1004', 'first-day-2026')
    expect(session.status).toBe(200)
    const auth = { Authorization: `Bearer ${session.body.token as string}` }
    await api().put('/api/me/presence').set(auth).send({ presence: 'available' })
    expect((await listFreeAgents(h.ctx.db)).map((a) => a.jobNumber)).toContain('1004')

    const off = await api().patch('/api/admin/agents/1004').set(admin).send({ active: false })
    expect(off.body).toMatchObject({
      result: 'updated',
      agent: { active: false, presence: 'away' },
    })
    expect((await api().get('/api/me').set(auth)).status, 'token revoked').toBe(401)
    expect((await logInWith('1004', 'first-day-2026')).status).toBe(401)
    // Not rung even if something marks them available.
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1004')
      .execute()
    expect((await listFreeAgents(h.ctx.db)).map((a) => a.jobNumber)).not.toContain('1004')

    const on = await api()
      .patch('/api/admin/agents/1004')
      .set(admin)
      .send({ active: true, password: 'second-try-2026', role: 'supervisor' })
    expect(on.body.agent).toMatchObject({ active: true, role: 'supervisor' })
    expect((await logInWith('1004', 'first-day-2026')).status).toBe(401)
    expect((await logInWith('1004', 'second-try-2026')).status).toBe(200)

    const events = await adminEvents()
    expect(events.map((e) => [e.entity, e.entity_key, e.action])).toEqual([
      ['agent', '1004', 'created'],
      ['agent', '1004', 'updated'],
      ['agent', '1004', 'updated'],
    ])
    expect(events[2]?.before).toMatchObject({ active: false, role: 'agent' })
    expect(events[2]?.after).toMatchObject({
      active: true,
      role: 'supervisor',
      passwordChanged: true,
    })
    expect(JSON.stringify(events)).not.toContain('scrypt')

    const sup = await login(h, '2001')
    const list = await api().get('/api/admin/agents').set(sup)
    expect((list.body.agents as { jobNumber: string }[]).map((a) => a.jobNumber)).toContain('1004')
    expect((await api().get('/api/admin/agents/1004').set(sup)).body.agent.role).toBe('supervisor')
    const changes = await api().get('/api/admin/changes?entity=agent').set(sup)
    expect(changes.body.changes).toHaveLength(3)
  })

  it('refuses bad or unsafe agent changes with a clear error and changes nothing', async () => {
    const admin = await login(h, '9001')
    const sup = await login(h, '2001')
    const agentsBefore = await h.ctx.db.selectFrom('agents').selectAll().orderBy('id').execute()
    const cases: [string, string, { Authorization: string }, object, number][] = [
      ['post', '/api/admin/agents', sup, newcomer, 403],
      ['post', '/api/admin/agents', admin, { ...newcomer, jobNumber: '1001' }, 409],
      ['post', '/api/admin/agents', admin, { ...newcomer, clientIdentity: 'agent-1001' }, 409],
      ['post', '/api/admin/agents', admin, { ...newcomer, clientIdentity: undefined }, 400],
      ['post', '/api/admin/agents', admin, { ...newcomer, departmentCode: 'nowhere' }, 400],
      ['post', '/api/admin/agents', admin, { ...newcomer, role: 'boss' }, 400],
      ['post', '/api/admin/agents', admin, { ...newcomer, password: 'short' }, 400],
      ['post', '/api/admin/agents', admin, { ...newcomer, jobNumber: '10 04' }, 400],
      ['patch', '/api/admin/agents/1001', sup, { name: 'X' }, 403],
      ['patch', '/api/admin/agents/7777', admin, { name: 'X' }, 404],
      ['patch', '/api/admin/agents/1001', admin, {}, 400],
      ['patch', '/api/admin/agents/1001', admin, { clientIdentity: null }, 400],
      ['patch', '/api/admin/agents/1001', admin, { clientIdentity: 'agent-1002' }, 409],
      ['patch', '/api/admin/agents/1001', admin, { presence: 'available' }, 400],
      ['patch', '/api/admin/agents/9001', admin, { active: false }, 403],
      ['patch', '/api/admin/agents/9001', admin, { role: 'agent' }, 403],
      ['patch', '/api/admin/agents/2001', admin, { active: false }, 409],
    ]
    for (const [method, path, who, body, status] of cases) {
      const r = await send(method, path).set(who).send(body)
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status)
      expect(r.body.error.message).toBeTruthy()
    }
    expect(await h.ctx.db.selectFrom('agents').selectAll().orderBy('id').execute()).toEqual(
      agentsBefore,
    )
    expect(await adminEvents()).toEqual([])
  })

  it('lets administrators set categories, refreshing the IVR menu, and refuses clashes', async () => {
    const admin = await login(h, '9001')
    const sup = await login(h, '2001')
    expect((await h.ctx.directory.menuCategories()).map((c) => c.code)).not.toContain('parking')
    const parking = { nameZh: '停车', nameEn: 'parking', ivrKey: 5, isEmergency: false }
    const created = await api().put('/api/admin/categories/parking').set(admin).send(parking)
    expect(created.status).toBe(201)
    expect(created.body).toEqual({ category: { code: 'parking', ...parking }, result: 'created' })
    expect((await h.ctx.directory.menuCategories()).map((c) => c.code)).toContain('parking')
    const again = await api().put('/api/admin/categories/parking').set(admin).send(parking)
    expect(again.body.result).toBe('unchanged')
    const moved = await api()
      .put('/api/admin/categories/parking')
      .set(admin)
      .send({ ...parking, ivrKey: null })
    expect(moved.body.result).toBe('updated')
    expect((await h.ctx.directory.menuCategories()).map((c) => c.code)).not.toContain('parking')

    const read = await api().get('/api/admin/categories/parking').set(sup)
    expect(read.body.category).toEqual({ code: 'parking', ...parking, ivrKey: null })
    expect((await api().get('/api/admin/categories').set(sup)).body.categories).toHaveLength(6)
    expect(
      (
        await api()
          .get('/api/admin/categories')
          .set(await login(h, '1001'))
      ).status,
    ).toBe(403)

    const before = await h.ctx.db.selectFrom('categories').selectAll().orderBy('id').execute()
    const eventsBefore = await adminEvents()
    const bad: [string, { Authorization: string }, object, number][] = [
      ['repair', sup, { ...parking, nameEn: 'repairs' }, 403],
      ['parking', admin, { ...parking, ivrKey: 1 }, 409],
      ['parking', admin, { ...parking, ivrKey: 9 }, 400],
      ['parking', admin, { ...parking, ivrKey: 0 }, 400],
      ['parking', admin, { nameZh: '停车' }, 400],
      ['Bad-Code', admin, parking, 400],
      [
        'emergency',
        admin,
        { nameZh: '紧急情况', nameEn: 'emergencies', ivrKey: null, isEmergency: false },
        409,
      ],
    ]
    for (const [code, who, body, status] of bad) {
      const r = await api().put(`/api/admin/categories/${code}`).set(who).send(body)
      expect(r.status, `${code} ${JSON.stringify(body)}`).toBe(status)
      expect(r.body.error.message).toBeTruthy()
    }
    expect((await api().get('/api/admin/categories/nothing').set(sup)).status).toBe(404)
    expect(await h.ctx.db.selectFrom('categories').selectAll().orderBy('id').execute()).toEqual(
      before,
    )
    expect(await adminEvents()).toEqual(eventsBefore)
    expect(eventsBefore.map((e) => [e.entity, e.entity_key, e.action])).toEqual([
      ['category', 'parking', 'created'],
      ['category', 'parking', 'updated'],
    ])
  })
})
