import http from 'node:http'
import type { AddressInfo } from 'node:net'

import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'
import { until } from '../helpers/service.ts'

/** An open /api/stream: what it said so far, and whether the server ended it. */
interface Stream {
  text: () => string
  ended: () => boolean
  close: () => void
}

function openStream(url: string, auth: { Authorization: string }): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let text = ''
    let ended = false
    const req = http.get(url, { headers: auth }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => (ended = true))
      // Open once the first bytes arrived: the server has registered it by then.
      res.once('data', () => resolve({ text: () => text, ended: () => ended, close }))
    })
    const close = () => req.destroy()
    req.on('error', reject)
  })
}

describe('live streams end with their session, and are capped per agent', () => {
  let h: Harness
  let server: http.Server
  let base: string
  const streams: Stream[] = []
  /** `recheckSeconds` long: only an immediate close can end a stream within the test. */
  const start = async (recheckSeconds: number) => {
    h = await createHarness({
      env: { STREAM_RECHECK_SECONDS: String(recheckSeconds), STREAM_MAX_PER_AGENT: '2' },
    })
    server = h.app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close()
    await new Promise((r) => server.close(r))
    await h.close()
  })
  const open = async (auth: { Authorization: string }) => {
    const s = await openStream(`${base}/api/stream`, auth)
    streams.push(s)
    return s
  }
  const endReason = (s: Stream) => /event: end\ndata: (.*)\n/.exec(s.text())?.[1]

  it('ends the stream at once when its session logs out, and refuses it afterwards', async () => {
    await start(300)
    const session = await login(h, '1001')
    const colleague = await open(await login(h, '1002'))
    const stream = await open(session)
    const t0 = Date.now()
    expect((await request(h.app).post('/api/auth/logout').set(session)).status).toBe(204)
    await until('stream ended', () => stream.ended(), 3000)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(endReason(stream)).toBe('{"reason":"revoked"}')
    expect(colleague.ended(), "another agent's stream stays open").toBe(false)
    const again = await fetch(`${base}/api/stream`, { headers: session })
    expect(again.status).toBe(401)
  })

  it('ends streams at shutdown without an end event, so browsers reconnect elsewhere', async () => {
    await start(300)
    const stream = await open(await login(h, '1001'))
    h.ctx.streams.close()
    await until('stream ended', () => stream.ended(), 3000)
    expect(endReason(stream)).toBeUndefined()
  })

  it('ends a stream whose token was revoked elsewhere (another instance), within a beat', async () => {
    await start(1)
    const session = await login(h, '1001')
    const stream = await open(session)
    // Straight in Postgres, as another instance's logout or an administrator would.
    await h.ctx.db.updateTable('api_tokens').set({ revoked_at: new Date() }).execute()
    await until('stream ended by the re-check', () => stream.ended(), 4000)
    expect(endReason(stream)).toBe('{"reason":"revoked"}')
  })

  it("ends the agent's streams when an administrator deactivates them", async () => {
    await start(300)
    const stream = await open(await login(h, '1003'))
    const admin = await login(h, '9001')
    await request(h.app).patch('/api/admin/agents/1003').set(admin).send({ active: false })
    // The administrator's change re-checks this process's streams at once.
    await until('stream ended', () => stream.ended(), 2000)
    expect(endReason(stream)).toBe('{"reason":"revoked"}')
  })

  it('keeps at most N streams per agent: a new one ends the oldest', async () => {
    await start(1)
    const session = await login(h, '1001')
    const first = await open(session)
    const second = await open(await login(h, '1001'))
    const third = await open(session)
    await until('oldest ended', () => first.ended(), 2000)
    expect(endReason(first)).toBe('{"reason":"replaced"}')
    // Past one re-check beat, the two newest are still open.
    await new Promise((r) => setTimeout(r, 1300))
    expect(second.ended()).toBe(false)
    expect(third.ended()).toBe(false)
    const otherAgent = await open(await login(h, '1002'))
    await new Promise((r) => setTimeout(r, 200))
    expect(otherAgent.ended() || second.ended() || third.ended()).toBe(false)
  })
})
