import { createRequire } from 'node:module'

import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { AppError } from '../../src/errors.ts'
import { issueVoiceToken } from '../../src/softphone/voice-token.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

// jsonwebtoken is what the twilio library signs Access Tokens with; verify with the same code.
const jwt = createRequire(createRequire(import.meta.url).resolve('twilio'))('jsonwebtoken') as {
  verify(token: string, secret: string, o: { algorithms: string[] }): Record<string, unknown>
}

const API_KEY_SID = `SK${'a'.repeat(32)}`
const API_KEY_SECRET = 'softphone-test-secret-0123456789'
const TWIML_APP_SID = `AP${'b'.repeat(32)}`
const SOFTPHONE_ENV = {
  TWILIO_API_KEY_SID: API_KEY_SID,
  TWILIO_API_KEY_SECRET: API_KEY_SECRET,
  TWILIO_TWIML_APP_SID: TWIML_APP_SID,
  VOICE_TOKEN_TTL_SECONDS: '900',
}
const CONSOLE = { 'X-Shouwen-Console': '1' }

describe('POST /api/me/voice-token', () => {
  let h: Harness
  beforeAll(async () => {
    h = await createHarness({ env: SOFTPHONE_ENV })
  })
  afterAll(async () => {
    await h.close()
  })

  it('signs a Voice grant for the agent with the API key, for the configured TTL', async () => {
    const auth = await login(h, '1001')
    const res = await request(h.app).post('/api/me/voice-token').set(auth).send({})
    expect(res.status).toBe(200)
    expect(res.body.identity).toBe('agent-1001')
    const claims = jwt.verify(res.body.token as string, API_KEY_SECRET, { algorithms: ['HS256'] })
    expect(claims['iss']).toBe(API_KEY_SID)
    expect(claims['sub']).toBe(h.config.twilio.accountSid)
    expect(claims['grants']).toEqual({
      identity: 'agent-1001',
      voice: { incoming: { allow: true }, outgoing: { application_sid: TWIML_APP_SID } },
    })
    expect(Number(claims['exp']) - Number(claims['iat'])).toBe(900)
    expect(new Date(res.body.expiresAt as string).getTime()).toBe(Number(claims['exp']) * 1000)
    // Signed with the API key's secret, not something else (the auth token, say).
    expect(() =>
      jwt.verify(res.body.token as string, h.config.twilio.authToken, { algorithms: ['HS256'] }),
    ).toThrow(/signature/)
  })

  it('gives an agent without a client identity a stable one, so offers ring the browser', async () => {
    await h.ctx.db
      .updateTable('agents')
      .set({ client_identity: null, phone_number: '+8613700001002' })
      .where('job_number', '=', '1002')
      .execute()
    const auth = await login(h, '1002')
    const first = await request(h.app).post('/api/me/voice-token').set(auth).send({})
    const again = await request(h.app).post('/api/me/voice-token').set(auth).send({})
    expect(first.body.identity).toBe('agent-1002')
    expect(again.body.identity).toBe('agent-1002')
    const row = await h.ctx.db
      .selectFrom('agents')
      .select('client_identity')
      .where('job_number', '=', '1002')
      .executeTakeFirstOrThrow()
    expect(row.client_identity).toBe('agent-1002')
  })

  it('takes another identity when an administrator gave the usual one to someone else', async () => {
    await h.ctx.db
      .updateTable('agents')
      .set({ client_identity: null, phone_number: '+8613700001003' })
      .where('job_number', '=', '1003')
      .execute()
    await h.ctx.db
      .updateTable('agents')
      .set({ client_identity: 'agent-1003' })
      .where('job_number', '=', '1001')
      .execute()
    const res = await request(h.app)
      .post('/api/me/voice-token')
      .set(await login(h, '1003'))
      .send({})
    expect(res.status).toBe(200)
    expect(res.body.identity).toMatch(/^agent-1003-\d+$/)
  })

  it('refuses an inactive agent (403), and a deactivated session is gone anyway (401)', async () => {
    const auth = await login(h, '1002')
    const agent = await h.ctx.db
      .selectFrom('agents')
      .select(['id', 'job_number'])
      .where('job_number', '=', '1002')
      .executeTakeFirstOrThrow()
    await h.ctx.db.updateTable('agents').set({ active: false }).where('id', '=', agent.id).execute()
    // A request already past the session check when the agent was deactivated.
    const refused = await issueVoiceToken(h.ctx, { id: agent.id, jobNumber: '1002' }).catch(
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(AppError)
    expect((refused as AppError).code).toBe('forbidden')
    const res = await request(h.app).post('/api/me/voice-token').set(auth).send({})
    expect(res.status).toBe(401)
    expect(res.body.token).toBeUndefined()
    await h.ctx.db.updateTable('agents').set({ active: true }).where('id', '=', agent.id).execute()
  })

  it('needs a session, and from the console its header (CSRF)', async () => {
    expect((await request(h.app).post('/api/me/voice-token').send({})).status).toBe(401)
    const cookieLogin = await request(h.app)
      .post('/api/auth/login')
      .set(CONSOLE)
      .send({ jobNumber: '2001', password: 'shouwen-demo' })
    const cookie = String(cookieLogin.headers['set-cookie']).split(';')[0] ?? ''
    expect(cookie).toMatch(/^shouwen_session=/)
    const res = await request(h.app).post('/api/me/voice-token').set('Cookie', cookie).send({})
    expect(res.status).toBe(403)
    const withHeader = await request(h.app)
      .post('/api/me/voice-token')
      .set('Cookie', cookie)
      .set(CONSOLE)
      .send({})
    expect(withHeader.status).toBe(200)
  })

  it('tells the console to use the Twilio phone', async () => {
    const res = await request(h.app)
      .get('/api/console/config')
      .set(await login(h, '2001'))
    expect(res.body.phone).toBe('twilio')
  })
})

describe('the voice token when the softphone is not configured', () => {
  it('live Twilio without an API key or TwiML App: 409 naming the variables', async () => {
    const h = await createHarness()
    try {
      const auth = await login(h, '1001')
      const res = await request(h.app).post('/api/me/voice-token').set(auth).send({})
      expect(res.status).toBe(409)
      expect(res.body.error.message).toMatch(/TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET/)
      expect(res.body.error.message).toMatch(/TWILIO_TWIML_APP_SID/)
      const config = await request(h.app).get('/api/console/config').set(auth)
      expect(config.body.phone).toBe('none')
    } finally {
      await h.close()
    }
  })

  it('simulator mode: 409 saying the softphone needs live Twilio', async () => {
    const h = await createHarness({ simulator: true })
    try {
      const auth = await login(h, '1001')
      const res = await request(h.app).post('/api/me/voice-token').set(auth).send({})
      expect(res.status).toBe(409)
      expect(res.body.error.message).toMatch(/live Twilio.*TWILIO_ACCOUNT_SID/)
      const config = await request(h.app).get('/api/console/config').set(auth)
      expect(config.body.phone).toBe('simulator')
    } finally {
      await h.close()
    }
  })
})
