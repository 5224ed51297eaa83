import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'
import { until } from '../helpers/service.ts'

const DAY_MS = 24 * 3_600_000

type Auth = { Authorization: string }
interface Minted {
  id: string
  token: string
  expiresAt: string
}
interface Listed {
  tokens: { id: string; kind: string; label: string | null; lastUsedAt: string | null }[]
}

describe('API tokens: expiry, list, revoke, minted by sessions only', () => {
  let h: Harness
  const clock = manualClock()
  beforeEach(async () => {
    clock.set(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock, env: { API_TOKEN_TTL_DAYS: '30' } })
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const bearer = (t: Minted): Auth => ({ Authorization: `Bearer ${t.token}` })
  const mint = (auth: Auth, body: object) => api().post('/api/auth/tokens').set(auth).send(body)
  /** A token minted as asked: fails the test if minting did not answer 201. */
  const minted = async (auth: Auth, body: object): Promise<Minted> => {
    const r = await mint(auth, body)
    expect(r.status).toBe(201)
    return r.body as Minted
  }
  const me = async (auth: Auth) => (await api().get('/api/me').set(auth)).status
  const list = async (auth: Auth) => (await api().get('/api/auth/tokens').set(auth)).body as Listed

  it('gives every API token an expiry: the default, or a shorter ttlDays', async () => {
    const session = await login(h, '1001')
    const long = await minted(session, { label: 'crm sync' })
    expect(new Date(long.expiresAt).getTime()).toBe(clock.now().getTime() + 30 * DAY_MS)
    const short = await minted(session, { label: 'one week', ttlDays: 7 })
    expect(new Date(short.expiresAt).getTime()).toBe(clock.now().getTime() + 7 * DAY_MS)

    const tooLong = await mint(session, { label: 'forever', ttlDays: 31 })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.error.message).toMatch(/ttlDays/)
    expect((await mint(session, { label: 'x', ttlDays: 0 })).status).toBe(400)

    clock.advance(7 * DAY_MS + 1000)
    expect(await me(bearer(short)), 'a week later').toBe(401)
    expect(await me(bearer(long))).toBe(200)
    clock.advance(23 * DAY_MS)
    expect(await me(bearer(long)), 'after 30 days').toBe(401)
  })

  it('lets only a login session mint a token, not an API token', async () => {
    const session = await login(h, '1001')
    const script = await minted(session, { label: 'script' })
    const again = await mint(bearer(script), { label: 'child' })
    expect(again.status).toBe(403)
    expect(again.body.error.message).toMatch(/log in/)
    const count = await h.ctx.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'agent')
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(1)
  })

  it("lists the caller's own tokens without their secret, and revokes them one by one", async () => {
    const session = await login(h, '1001')
    const script = await minted(session, { label: 'crm sync' })
    await minted(await login(h, '1002'), { label: 'not yours' })
    expect(await me(bearer(script))).toBe(200)

    const listed = await until('last use recorded', async () => {
      const l = await list(session)
      return l.tokens.find((t) => t.label === 'crm sync')?.lastUsedAt ? l : undefined
    })
    expect(listed.tokens).toHaveLength(2)
    expect(listed.tokens).toEqual([
      {
        id: script.id,
        kind: 'agent',
        label: 'crm sync',
        createdAt: expect.any(String),
        expiresAt: script.expiresAt,
        lastUsedAt: clock.now().toISOString(),
        current: false,
      },
      expect.objectContaining({ kind: 'session', label: null, current: true }),
    ])
    expect(JSON.stringify(listed)).not.toContain(script.token)
    expect(JSON.stringify(listed)).not.toMatch(/hash/)

    const other = await h.ctx.db
      .selectFrom('api_tokens')
      .select('id')
      .where('label', '=', 'not yours')
      .executeTakeFirstOrThrow()
    const stolen = await api().delete(`/api/auth/tokens/${other.id}`).set(session)
    expect(stolen.status).toBe(404)
    expect((await api().delete('/api/auth/tokens/abc').set(session)).status).toBe(400)
    const otherRow = await h.ctx.db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('id', '=', other.id)
      .executeTakeFirstOrThrow()
    expect(otherRow.revoked_at, "someone else's token untouched").toBeNull()

    expect((await api().delete(`/api/auth/tokens/${script.id}`).set(session)).status).toBe(204)
    expect(await me(bearer(script))).toBe(401)
    expect((await list(session)).tokens.map((t) => t.kind)).toEqual(['session'])
  })

  it('revokes every token and session of an agent whose password changes', async () => {
    const admin = await login(h, '9001')
    const session = await login(h, '1002')
    const script = await minted(session, { label: 'crm sync' })
    const changed = await api()
      .patch('/api/admin/agents/1002')
      .set(admin)
      .send({ password: 'a-new-password-2026' })
    expect(changed.status).toBe(200)
    expect(await me(session), 'session').toBe(401)
    expect(await me(bearer(script)), 'API token').toBe(401)
    expect(await me(admin), "the administrator's own session stays").toBe(200)
  })

  it('revokes them on deactivation, for good: reactivating brings none back', async () => {
    const admin = await login(h, '9001')
    const session = await login(h, '1003')
    const script = await minted(session, { label: 'crm sync' })
    await api().patch('/api/admin/agents/1003').set(admin).send({ active: false })
    expect(await me(session)).toBe(401)
    expect(await me(bearer(script))).toBe(401)
    await api().patch('/api/admin/agents/1003').set(admin).send({ active: true })
    expect(await me(session)).toBe(401)
    expect(await me(bearer(script))).toBe(401)
  })

  it('gives the token in the login answer to scripts only; a browser has the cookie', async () => {
    const body = { jobNumber: '1001', password: DEMO_PASSWORD }
    const script = await api().post('/api/auth/login').send(body)
    expect(script.body.token).toMatch(/^sw_s_/)
    const browser = await api()
      .post('/api/auth/login')
      .set('Origin', 'https://hotline.example.test')
      .set('x-shouwen-console', '1')
      .send(body)
    expect(browser.status).toBe(200)
    expect(browser.body).not.toHaveProperty('token')
    expect(browser.body.agent.jobNumber).toBe('1001')
    const cookie = String(browser.headers['set-cookie'])
    expect(cookie).toMatch(/shouwen_session=sw_s_[^;]+;.*HttpOnly/)
    const viaCookie = await api()
      .get('/api/me')
      .set('Cookie', cookie.split(';')[0] ?? '')
    expect(viaCookie.status).toBe(200)
  })
})
