import { readFileSync } from 'node:fs'

import twilio from 'twilio'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { createSimulator, type Simulator } from '../../src/telephony/simulator/simulator.ts'
import type { EdgeHttpClient } from '../../src/telephony/telephony.ts'

/**
 * The simulator's REST edge, checked against Twilio's own API description: every request the
 * official client sends must be a documented path, method and set of parameters, and every
 * answer must use only documented fields.
 */

interface Schema {
  $ref?: string
  type?: string
  properties?: Record<string, Schema>
  items?: Schema
}
interface Operation {
  requestBody?: { content: Record<string, { schema: Schema }> }
  parameters?: { name: string; in: string }[]
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>
}
interface Spec {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const spec = JSON.parse(
  readFileSync(new URL('../../../shared/twilio/twilio_api_v2010.json', import.meta.url), 'utf8'),
) as Spec

const ACCOUNT_SID = 'AC' + 'a'.repeat(32)
const AUTH_TOKEN = 'rest-test-token'

type Exchange = {
  method: string
  path: string
  data: Record<string, unknown>
  query: Record<string, unknown>
  status: number
  body: unknown
}

function recording(inner: EdgeHttpClient, log: Exchange[]): EdgeHttpClient {
  return {
    async request(opts) {
      const res = await inner.request(opts)
      log.push({
        method: opts.method.toLowerCase(),
        path: new URL(opts.uri).pathname,
        data: (opts.data ?? {}) as Record<string, unknown>,
        query: (opts.params ?? {}) as Record<string, unknown>,
        status: res.statusCode,
        body: typeof res.body === 'string' && res.body ? JSON.parse(res.body) : undefined,
      })
      return res
    },
  }
}

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema
  const name = schema.$ref.replace('#/components/schemas/', '')
  const found = spec.components.schemas[name]
  if (!found) throw new Error(`spec has no schema ${name}`)
  return found
}

/** Problems with one exchange, as readable strings (empty = conforms). */
function checkAgainstSpec(x: Exchange): string[] {
  const template = Object.keys(spec.paths).find((t) =>
    new RegExp(`^${t.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(x.path),
  )
  if (!template) return [`${x.path} is not in the spec`]
  const op = spec.paths[template]?.[x.method]
  if (!op) return [`${x.method.toUpperCase()} ${template} is not in the spec`]
  const problems: string[] = []
  const form = op.requestBody?.content['application/x-www-form-urlencoded']?.schema.properties
  for (const key of Object.keys(x.data)) {
    if (!form || !(key in form)) problems.push(`${template}: unknown parameter ${key}`)
  }
  const queryNames = new Set(
    (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  )
  for (const key of Object.keys(x.query)) {
    if (!queryNames.has(key)) problems.push(`${template}: unknown query parameter ${key}`)
  }
  const response = op.responses[String(x.status)]
  if (!response) return [...problems, `${template}: undocumented status ${x.status}`]
  const schema = response.content?.['application/json']?.schema
  if (!schema || x.body === undefined) return problems
  const check = (body: unknown, s: Schema, where: string) => {
    const props = resolve(s).properties ?? {}
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const prop = props[key]
      if (!prop) problems.push(`${where}: undocumented field ${key}`)
      else if (prop.type === 'array' && prop.items && Array.isArray(value)) {
        for (const item of value) check(item, prop.items, `${where}.${key}[]`)
      }
    }
  }
  check(x.body, schema, template)
  return problems
}

let sim: Simulator
let log: Exchange[]
let client: ReturnType<typeof twilio>

beforeEach(() => {
  sim = createSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    resolveNumber: () => undefined,
    // Nothing here answers calls; no webhook may leave the test.
    transport: () => Promise.reject(new Error('no network in this test')),
    timings: { ringTimeoutScale: 100 },
  })
  log = []
  client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: recording(sim.httpClient, log) as never })
})

afterEach(async () => {
  await sim.close()
})

describe('simulator REST edge against the Twilio API description', () => {
  it('serves calls, messages, conferences and participants as documented', async () => {
    const call = await client.calls.create({
      to: 'client:agent-1',
      from: '+861012345',
      url: 'https://example.com/voice',
      method: 'POST',
      statusCallback: 'https://example.com/status',
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeout: 20,
    })
    expect(call).toMatchObject({
      status: 'queued',
      direction: 'outbound-api',
      accountSid: ACCOUNT_SID,
    })
    await client.calls(call.sid).fetch()
    await client.calls(call.sid).update({ url: 'https://example.com/other', method: 'POST' })
    await client.calls(call.sid).update({ status: 'canceled' })
    expect((await client.calls(call.sid).fetch()).status).toBe('canceled')

    const sms = await client.messages.create({
      to: '+8613800138000',
      from: '+861012345',
      body: 'Your case HL-1 is open',
    })
    expect(sms.sid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(sim.snapshot().sms).toMatchObject([{ sid: sms.sid, body: 'Your case HL-1 is open' }])

    const participant = await client.conferences('room-9').participants.create({
      from: '+861012345',
      to: 'client:agent-2',
      label: 'colleague',
      statusCallback: 'https://example.com/p-status',
      statusCallbackEvent: ['answered', 'completed'],
      startConferenceOnEnter: true,
      endConferenceOnExit: false,
      beep: 'false',
      earlyMedia: true,
      timeout: 20,
      conferenceStatusCallback: 'https://example.com/conf',
      conferenceStatusCallbackEvent: ['start', 'end'],
    })
    expect(participant.conferenceSid).toMatch(/^CF[0-9a-f]{32}$/)
    await client.conferences(participant.conferenceSid).fetch()
    await client.conferences.list({ friendlyName: 'room-9', status: 'init' })
    await client.conferences(participant.conferenceSid).participants.list()

    const problems = log.flatMap(checkAgainstSpec)
    expect(problems).toEqual([])
    expect(log.map((x) => x.status)).toEqual([201, 200, 200, 200, 200, 201, 201, 200, 200, 200])
  })

  it('still answers for a call long ended, after hundreds more have ended since', async () => {
    // The stale-calls duty asks about a call minutes after it ended; on a busy day hundreds of
    // legs end meanwhile, and Twilio answers for a call for months, not for the last 500.
    const ended: string[] = []
    for (let i = 0; i < 520; i++) {
      const c = await client.calls.create({
        to: `client:agent-${i}`,
        from: '+861012345',
        url: 'https://example.com/voice',
      })
      await client.calls(c.sid).update({ status: 'canceled' })
      ended.push(c.sid)
    }
    log.length = 0
    const first = await client.calls(ended[0] ?? '').fetch()
    expect(first).toMatchObject({ sid: ended[0], status: 'canceled', to: 'client:agent-0' })
    expect(log.flatMap(checkAgainstSpec)).toEqual([])
  })

  it.each([
    [{ From: '+861012345', Url: 'https://x.test/v' }, 21201, /To/],
    [{ To: '+8613800138000', Url: 'https://x.test/v' }, 21213, /From/],
    [{ To: '+8613800138000', From: '+861012345' }, 21205, /Url or Twiml/],
    [{ To: '12345', From: '+861012345', Url: 'https://x.test/v' }, 21211, /not a valid phone/],
    [{ To: '+8613800138000', From: '+861012345', Url: 'ftp://x' }, 21205, /not a valid URL/],
    [
      { To: '+8613800138000', From: '+861012345', Url: 'https://x.test/v', Timeout: 'soon' },
      21220,
      /Timeout/,
    ],
    [
      {
        To: '+8613800138000',
        From: '+861012345',
        Url: 'https://x.test/v',
        StatusCallback: 'https://x.test/s',
        StatusCallbackEvent: ['picked-up'],
      },
      21220,
      /picked-up/,
    ],
    [{ To: '+8613800138000', From: '+861012345', Twiml: '<Response><Dance/>' }, 12100, /Twiml/],
  ])('answers 400 with a Twilio error code for bad call params %#', async (data, code, message) => {
    const res = await sim.httpClient.request({
      method: 'post',
      uri: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`,
      username: ACCOUNT_SID,
      password: AUTH_TOKEN,
      data,
    })
    expect(res.statusCode).toBe(400)
    const body = JSON.parse(res.body as string) as Record<string, unknown>
    expect(body).toMatchObject({ code, status: 400 })
    expect(body.message).toMatch(message)
    expect(body.more_info).toBe(`https://www.twilio.com/docs/errors/${code}`)
    expect(sim.snapshot().calls).toHaveLength(0)
  })

  it('answers 401 for wrong credentials and 404 for unknown routes and calls', async () => {
    const base = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}`
    const ask = (uri: string, password = AUTH_TOKEN) =>
      sim.httpClient.request({ method: 'get', uri, username: ACCOUNT_SID, password })
    expect(await ask(`${base}/Calls/CA${'0'.repeat(32)}.json`, 'wrong')).toMatchObject({
      statusCode: 401,
    })
    const unknownCall = await ask(`${base}/Calls/CA${'0'.repeat(32)}.json`)
    expect(unknownCall.statusCode).toBe(404)
    expect(JSON.parse(unknownCall.body as string)).toMatchObject({ code: 20404, status: 404 })
    expect((await ask(`${base}/Queues.json`)).statusCode).toBe(404)
    expect(
      (await ask(`https://api.twilio.com/2010-04-01/Accounts/AC${'b'.repeat(32)}/Calls.json`))
        .statusCode,
    ).toBe(404)
  })
})
