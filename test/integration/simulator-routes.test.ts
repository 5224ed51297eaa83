import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import express from 'express'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { jsonErrorHandler } from '../../src/http/error-handler.ts'
import { createSimulatorRouter } from '../../src/telephony/simulator/simulator.routes.ts'
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  CALLER,
  type Harness,
  HOTLINE,
  startHarness,
  twiml,
} from '../helpers/simulator-harness.ts'

let h: Harness
let server: Server
let base: string

const directory = {
  hotlines: [{ number: HOTLINE, name: 'City Service Hotline', language: 'zh-CN' }],
  agents: [{ jobNumber: '1001', name: 'Wang Fang', address: 'client:agent-1001' }],
}

beforeEach(async () => {
  h = await startHarness()
  const app = express()
  app.use(
    '/simulator',
    createSimulatorRouter(h.sim, { directory: () => Promise.resolve(directory), heartbeatMs: 50 }),
  )
  app.use(jsonErrorHandler(pino({ level: 'silent' })))
  server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simulator`
})

afterEach(async () => {
  await h.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const post = (path: string, body?: unknown) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

describe('simulator control API', () => {
  it('lists the directory and places a call that can be driven by keys', async () => {
    expect(await (await fetch(`${base}/directory`)).json()).toEqual(directory)
    h.app.on('/voice', twiml('<Gather numDigits="1" action="/menu"><Say>Menu</Say></Gather>'))
    h.app.on('/menu', twiml('<Say>Chosen</Say><Hangup/>'))
    const res = await post('/calls', { from: CALLER, to: HOTLINE, callerName: 'Li Lei' })
    expect(res.status).toBe(201)
    const { callSid } = (await res.json()) as { callSid: string }
    await h.waitForEvent((e) => e.type === 'gather')
    expect((await post(`/calls/${callSid}/digits`, { digits: '3' })).status).toBe(204)
    await h.waitForEvent((e) => e.type === 'ended')
    expect(h.app.hitsTo('/menu')[0]?.params.Digits).toBe('3')
    const state = (await (await fetch(`${base}/state`)).json()) as { calls: { sid: string }[] }
    expect(state.calls.map((c) => c.sid)).toContain(callSid)
  })

  it('registers a device, answers its incoming call, and unregisters it', async () => {
    const created = await post('/devices', { address: 'client:agent-1001' })
    expect(created.status).toBe(201)
    h.app.on('/agent', twiml('<Pause length="100"/>'))
    const call = await h.sim.httpClient.request({
      method: 'post',
      uri: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`,
      username: ACCOUNT_SID,
      password: AUTH_TOKEN,
      data: { To: 'client:agent-1001', From: HOTLINE, Url: `${h.app.base}/agent` },
    })
    const agentSid = (JSON.parse(call.body as string) as { sid: string }).sid
    await h.waitForEvent((e) => e.type === 'incoming' && e.callSid === agentSid)
    expect((await post(`/calls/${agentSid}/answer`)).status).toBe(204)
    await h.waitForEvent((e) => e.type === 'pause' && e.callSid === agentSid)
    expect((await post(`/calls/${agentSid}/hangup`)).status).toBe(204)
    const removed = await fetch(`${base}/devices/${encodeURIComponent('client:agent-1001')}`, {
      method: 'DELETE',
    })
    expect(removed.status).toBe(204)
  })

  it('answers 400 with a clear message for bad bodies, and changes nothing', async () => {
    const bad = await post('/calls', { from: 'me', to: HOTLINE })
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('bad_request')
    expect(body.error.message).toMatch(/from: must be an E.164 number/)
    expect((await post('/calls', 'not json')).status).toBe(400)
    expect(
      (await post('/devices', { address: 'client:x', autoAnswer: { afterMs: -1 } })).status,
    ).toBe(400)
    expect(h.sim.snapshot().calls).toHaveLength(0)
    const sid = 'CA' + '0'.repeat(32)
    expect((await post(`/calls/${sid}/digits`, { digits: 'abc' })).status).toBe(400)
    expect((await post(`/calls/nope/hangup`)).status).toBe(400)
  })

  it('answers 404 for unknown calls and hotline numbers, 409 for a call that is not ringing', async () => {
    const sid = 'CA' + '0'.repeat(32)
    const unknown = await post(`/calls/${sid}/hangup`)
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(sid)
    expect((await post('/calls', { from: CALLER, to: '+861099999' })).status).toBe(404)
    // A call with no case (here: no service to ask) is a 404 the terminal treats as "none yet".
    const noCase = await fetch(`${base}/calls/${sid}/case`)
    expect(noCase.status).toBe(404)
    expect(((await noCase.json()) as { error: { message: string } }).error.message).toMatch(sid)
    expect((await fetch(`${base}/calls/nope/case`)).status).toBe(400)
    h.app.on('/voice', twiml('<Pause length="100"/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'pause')
    expect((await post(`/calls/${callSid}/answer`)).status).toBe(409)
  })

  it('streams every event as server-sent events with heartbeats', async () => {
    const controller = new AbortController()
    const res = await fetch(`${base}/events`, { signal: controller.signal })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader()
    if (!reader) throw new Error('no body')
    h.app.on('/voice', twiml('<Say>Hello there</Say>'))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    let text = ''
    const decoder = new TextDecoder()
    while (!text.includes('"type":"ended"') || !text.includes(': heartbeat')) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    const events = text
      .split('\n\n')
      .filter((chunk) => chunk.startsWith('data: '))
      .map((chunk) => JSON.parse(chunk.slice(6)) as { type: string; at: string })
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ringing', 'answered', 'say', 'ended']),
    )
    expect(events.every((e) => typeof e.at === 'string')).toBe(true)
    controller.abort()
    // The listener goes away with the connection.
    await h.waitFor(() => h.sim.events.listenerCount('event') === 1)
  })
})
