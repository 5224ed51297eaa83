import { createServer } from 'node:http'
import net from 'node:net'

import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createLogger } from '../../src/logger.ts'
import { serverTimeouts } from '../../src/main.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, pathOf, PUBLIC_BASE_URL, ZH_HOTLINE } from '../helpers/harness.ts'
import { find, parseTwiml, verbs } from '../helpers/twiml.ts'

interface LogLine {
  level: number
  msg: string
  err?: unknown
  req?: { id?: string; path?: string }
  [k: string]: unknown
}

const ERROR_LEVEL = 50

describe('HTTP hardening: headers, bad bodies, origin, request ids', () => {
  let h: Harness
  const lines: LogLine[] = []
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  })

  beforeAll(async () => {
    h = await createHarness({ logger })
  })
  afterAll(() => h.close())

  /** Runs `f`, then the log lines it wrote. */
  async function logged(f: () => Promise<unknown>): Promise<LogLine[]> {
    const from = lines.length
    await f()
    return lines.slice(from)
  }
  const noErrorsIn = (ls: LogLine[]) => {
    expect(ls.filter((l) => l.level >= ERROR_LEVEL)).toEqual([])
    expect(JSON.stringify(ls)).not.toContain('"stack"')
  }

  /** The console's session cookie (Secure, so sent by hand: supertest speaks plain http). */
  async function login(): Promise<string> {
    const res = await request(h.app)
      .post('/api/auth/login')
      .send({ jobNumber: '1001', password: 'shouwen-demo' })
    expect(res.status).toBe(200)
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? ''
    return cookie.split(';')[0] as string
  }
  const presenceOf = async (cookie: string) =>
    (
      (await request(h.app).get('/api/me').set('Cookie', cookie)).body as {
        agent: { presence: string }
      }
    ).agent.presence

  it('sends a strict CSP on the console and a relaxed one only on the queue dashboard', async () => {
    const page = await request(h.app).get('/console/')
    expect(page.status).toBe(200)
    const csp = page.headers['content-security-policy'] as string
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self';")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/)

    const queues = await request(h.app).get('/console/queues/')
    const qcsp = queues.headers['content-security-policy'] as string
    expect(qcsp).toContain("script-src 'self'")
    expect(qcsp).toMatch(/style-src 'self' 'unsafe-inline' https:\/\/fonts\.googleapis\.com/)
  })

  it('marks every API answer no-store, and says the Twilio mode on /readyz and to the console', async () => {
    const anon = await request(h.app).get('/api/me')
    expect(anon.status).toBe(401)
    expect(anon.headers['cache-control']).toBe('no-store')
    const cookie = await login()
    const config = await request(h.app).get('/api/console/config').set('Cookie', cookie)
    expect(config.headers['cache-control']).toBe('no-store')
    expect(config.body.twilioMode).toBe('live')
    const ready = await request(h.app).get('/readyz')
    expect(ready.body.twilio).toBe('live')
  })

  it('answers a JSON body over the limit with 413, logging no error', async () => {
    let res!: request.Response
    const ls = await logged(async () => {
      res = await request(h.app)
        .post('/api/auth/login')
        .send({ jobNumber: '1001', password: 'x'.repeat(100_000) })
    })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('payload_too_large')
    noErrorsIn(ls)
    expect(ls.some((l) => l.msg === 'body refused' && l['status'] === 413)).toBe(true)
  })

  it('answers an unknown charset or content encoding with 415, logging no error', async () => {
    const body = JSON.stringify({ jobNumber: '1001', password: 'shouwen-demo' })
    let charset!: request.Response
    let encoding!: request.Response
    const ls = await logged(async () => {
      charset = await request(h.app)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json; charset=latin-9000')
        .send(body)
      encoding = await request(h.app)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'x-squeeze')
        .send(body)
    })
    expect([charset.status, encoding.status]).toEqual([415, 415])
    expect(charset.body.error.code).toBe('unsupported_media_type')
    expect(encoding.body.error.message).toMatch(/encoding/)
    noErrorsIn(ls)
  })

  it('refuses a NUL character in any text field with 400 and changes nothing', async () => {
    let nulLogin!: request.Response
    let nulPresence!: request.Response
    const cookie = await login()
    const ls = await logged(async () => {
      nulLogin = await request(h.app)
        .post('/api/auth/login')
        .send({ jobNumber: '1001\u0000', password: 'shouwen-demo' })
      nulPresence = await request(h.app)
        .put('/api/me/presence')
        .set('Cookie', cookie)
        .set('X-Shouwen-Console', '1')
        .send({ presence: 'away', reason: 'lunch\u0000' })
    })
    expect(nulLogin.status).toBe(400)
    expect(nulLogin.body.error.message).toMatch(/^jobNumber: .*NUL/)
    expect(nulPresence.status).toBe(400)
    expect(nulPresence.body.error.message).toMatch(/^reason: .*NUL/)
    expect(await presenceOf(cookie)).toBe('available')
    noErrorsIn(ls)
  })

  it('keeps a caller whose signed webhook carries a NUL: unknown name, key press as no input', async () => {
    const sid = callSid()
    let menu!: ReturnType<typeof parseTwiml>
    let again!: ReturnType<typeof parseTwiml>
    const ls = await logged(async () => {
      const incoming = await h.twilioPost('/voice/incoming', {
        CallSid: sid,
        From: '+8613800002222',
        To: ZH_HOTLINE,
        CallerName: 'WANG\u0000',
        CallStatus: 'ringing',
        Direction: 'inbound',
      })
      expect(incoming.status).toBe(200)
      // TwiML is for Twilio: nothing in it may run in, or be framed by, a browser.
      expect(incoming.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      )
      expect(incoming.headers['x-content-type-options']).toBe('nosniff')
      menu = parseTwiml(incoming.text)
      const action = find(menu, 'Gather')?.attrs['action'] ?? ''
      const pressed = await h.twilioPost(pathOf(action), { CallSid: sid, Digits: '1\u0000' })
      expect(pressed.status).toBe(200)
      again = parseTwiml(pressed.text)
    })
    expect(verbs(menu)[0]).toBe('Gather')
    // Asked again, as after silence: not queued on a key nobody pressed, and not hung up on.
    expect(verbs(again)).toContain('Gather')
    expect(verbs(again)).not.toContain('Hangup')
    expect(verbs(again)).not.toContain('Dial')
    const call = await h.ctx.db
      .selectFrom('calls')
      .select(['caller_name'])
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call.caller_name).toBeNull()
    noErrorsIn(ls)
    expect(
      ls.filter((l) => l.msg === 'twilio parameters with a NUL character dropped or cleaned'),
    ).toHaveLength(2)
  })

  it('takes a cookie change from PUBLIC_BASE_URL as same-origin, whatever protocol it sees', async () => {
    const cookie = await login()
    // Behind a TLS proxy without TRUST_PROXY, express sees http; the browser says https.
    const fromPublic = await request(h.app)
      .put('/api/me/presence')
      .set('Cookie', cookie)
      .set('Origin', PUBLIC_BASE_URL)
      .send({ presence: 'busy' })
    expect(fromPublic.status).toBe(200)
    const host = new URL(PUBLIC_BASE_URL).host
    for (const origin of [`http://${host}`, 'https://evil.example', undefined]) {
      const r = request(h.app)
        .put('/api/me/presence')
        .set('Cookie', cookie)
        .send({ presence: 'available' })
      if (origin) void r.set('Origin', origin)
      expect((await r).status).toBe(403)
    }
    expect(await presenceOf(cookie)).toBe('busy')
  })

  it("logs Twilio's request id when it is a plain token, and a fresh one instead of junk", async () => {
    const plain = 'RQ0123456789abcdef-1'
    const ls = await logged(async () => {
      await request(h.app).get('/healthz/none').set('I-Twilio-Idempotency-Token', plain)
      await request(h.app).get('/healthz/none').set('I-Twilio-Idempotency-Token', 'a'.repeat(5000))
      await request(h.app).get('/healthz/none').set('I-Twilio-Idempotency-Token', '"} forged')
    })
    const ids = ls.filter((l) => l.req?.path === '/healthz/none').map((l) => l.req?.id)
    expect(ids).toHaveLength(3)
    expect(ids[0]).toBe(plain)
    for (const id of ids.slice(1)) expect(id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('cuts off a client that trickles its body', async () => {
    const server = createServer(serverTimeouts(1000), h.app).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const { port } = server.address() as net.AddressInfo
    try {
      const socket = net.connect(port, '127.0.0.1')
      let answer = ''
      socket.on('data', (d: Buffer) => (answer += d.toString()))
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"job',
      )
      const started = Date.now()
      await new Promise((r) => socket.once('close', r))
      expect(Date.now() - started).toBeLessThan(4000)
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
    } finally {
      server.close()
    }
  })
})
