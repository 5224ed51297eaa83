import http from 'node:http'
import type { AddressInfo } from 'node:net'

import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { findAgentByJobNumber } from '../../src/agents/agents.repository.ts'
import { appendCaseEvent } from '../../src/cases/case-events.repository.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { liveCall, login } from '../helpers/live-call.ts'

/** Reads the SSE stream until `want` has arrived or the time is up; returns what came. */
function readStream(url: string, auth: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const req = http.get(url, { headers: { authorization: auth } }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
    })
    req.on('error', reject)
    setTimeout(() => {
      req.destroy()
      resolve(text)
    }, ms)
  })
}

describe('live hints for the console (Postgres NOTIFY → server-sent events)', () => {
  let h: Harness
  let server: http.Server
  let base: string
  beforeEach(async () => {
    h = await createHarness()
    server = h.app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    await new Promise((r) => server.close(r))
    await h.close()
  })

  it('tells the owner and supervisors about a case event, and not another agent', async () => {
    const call = await liveCall(h)
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select('id')
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
    const owner = await findAgentByJobNumber(h.ctx.db, '1001')
    const streams = Promise.all(
      [call.auth, await login(h, '1002'), await login(h, '2001')].map((a) =>
        readStream(`${base}/api/stream`, a.Authorization, 1500),
      ),
    )
    await new Promise((r) => setTimeout(r, 400))
    await appendCaseEvent(h.ctx.db, {
      caseId: kase.id,
      type: 'case_updated',
      actor: { kind: 'agent', agentId: owner?.id ?? 0 },
      at: new Date(),
      data: { test: true },
    })
    const [ownerSaw, colleagueSaw, supervisorSaw] = await streams
    expect(ownerSaw).toContain('event: case_event')
    expect(ownerSaw).toContain(`"caseId":${kase.id}`)
    expect(supervisorSaw).toContain('event: case_event')
    expect(colleagueSaw).not.toContain('event: case_event')
    // Hints carry ids, never the caller's number.
    expect(ownerSaw).not.toContain('+86')
  })

  it("hints an agent's wrap-up starting and ending, which change no presence", async () => {
    // Migration 001400: without this hint the board shows 话后整理 only when some other hint
    // happens to make it refetch (a rewrite of the trigger once lost it; test/browser caught it).
    const agent = await findAgentByJobNumber(h.ctx.db, '1003')
    const listener = new pg.Client({ connectionString: h.databaseUrl })
    await listener.connect()
    const seen: unknown[] = []
    listener.on('notification', (m) => {
      const hint = JSON.parse(m.payload ?? '{}') as { t?: string; agentId?: number }
      if (hint.t === 'presence' && hint.agentId === agent?.id) seen.push(hint)
    })
    await listener.query('listen shouwen_live')
    const setWrapUp = (until: Date | null) =>
      h.ctx.db
        .updateTable('agents')
        .set({ wrap_up_until: until })
        .where('id', '=', agent?.id ?? 0)
        .execute()
    const settle = () => new Promise((r) => setTimeout(r, 300))
    try {
      await setWrapUp(new Date(Date.now() + 60_000))
      await settle()
      expect(seen).toHaveLength(1)
      await setWrapUp(null)
      await settle()
      expect(seen).toHaveLength(2)
      // The same value written again is no change: no hint.
      await setWrapUp(null)
      await settle()
      expect(seen).toHaveLength(2)
    } finally {
      await listener.end()
    }
  })

  it('refuses the stream without a login', async () => {
    const res = await fetch(`${base}/api/stream`)
    expect(res.status).toBe(401)
  })
})
