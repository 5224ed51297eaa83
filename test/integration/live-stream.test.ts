import http from 'node:http'
import type { AddressInfo } from 'node:net'

import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { findAgentByJobNumber } from '../../src/agents/agents.repository.ts'
import { periodicDuties } from '../../src/beats/duties.ts'
import { appendCaseEvent } from '../../src/cases/case-events.repository.ts'
import type { LiveHint } from '../../src/live/live-hub.ts'
import { createLiveHub } from '../../src/live/live-hub.ts'
import { createLogger } from '../../src/logger.ts'
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

describe('live hints for the console (the live_hints table → server-sent events)', () => {
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

  it('refuses the stream without a login', async () => {
    const res = await fetch(`${base}/api/stream`)
    expect(res.status).toBe(401)
  })
})

describe('the live hints table, read by every instance', () => {
  let h: Harness
  const clients: pg.Client[] = []
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end()
    await h.close()
  })
  const client = async () => {
    const c = new pg.Client({ connectionString: h.databaseUrl })
    await c.connect()
    clients.push(c)
    return c
  }
  const hint = (queueState: string) => JSON.stringify({ t: 'call', queueState })
  const until = async (ok: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !ok() && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 20))
  }

  it('gives two instances every hint once, one committed after a later one included', async () => {
    const logger = createLogger({ level: 'silent' })
    const hubs = [
      createLiveHub(h.ctx.db, logger, { pollMs: 50 }),
      createLiveHub(h.ctx.db, logger, { pollMs: 50 }),
    ]
    const seen: string[][] = [[], []]
    const offs = hubs.map((hub, i) =>
      hub.subscribe((x: LiveHint) => {
        if (x.t === 'call') seen[i]!.push(x.queueState)
      }),
    )
    await new Promise((r) => setTimeout(r, 200))
    const [slow, quick] = [await client(), await client()]
    // The slow transaction takes its id first and commits last.
    await slow.query('begin')
    await slow.query('insert into live_hints (hint) values ($1)', [hint('slow')])
    await quick.query('insert into live_hints (hint) values ($1)', [hint('quick')])
    await until(() => seen.every((s) => s.includes('quick')))
    expect(seen).toEqual([['quick'], ['quick']])
    await slow.query('commit')
    await until(() => seen.every((s) => s.length === 2))
    // A rolled-back insert leaves a gap that never shows; what follows it still does.
    await slow.query('begin')
    await slow.query('insert into live_hints (hint) values ($1)', [hint('rolled back')])
    await slow.query('rollback')
    await quick.query('insert into live_hints (hint) values ($1)', [hint('after')])
    await until(() => seen.every((s) => s.length === 3))
    await new Promise((r) => setTimeout(r, 200))
    expect(seen).toEqual([
      ['quick', 'slow', 'after'],
      ['quick', 'slow', 'after'],
    ])
    offs.forEach((off) => off())
    await Promise.all(hubs.map((hub) => hub.close()))
  })

  it('a change made in a transaction hints once it commits, and the trim duty deletes old hints', async () => {
    const c = await client()
    const agent = await findAgentByJobNumber(h.ctx.db, '1002')
    await c.query('begin')
    await c.query(
      `update agents set presence = case when presence = 'away' then 'available' else 'away' end where id = $1`,
      [agent?.id],
    )
    const before = await h.ctx.db.selectFrom('live_hints').select('hint').execute()
    expect(before.filter((r) => JSON.stringify(r.hint).includes('presence'))).toEqual([])
    await c.query('commit')
    const after = await h.ctx.db.selectFrom('live_hints').select('hint').execute()
    expect(after.map((r) => r.hint)).toContainEqual(
      expect.objectContaining({ t: 'presence', agentId: agent?.id }),
    )
    // Two minutes old: past the minute they are kept.
    await c.query(`update live_hints set at = at - interval '2 minutes'`)
    await c.query('insert into live_hints (hint) values ($1)', [hint('fresh')])
    const trim = periodicDuties(h.ctx, { dispatchSweepMs: 1000, reconcileEveryMs: 1000 }).find(
      (d) => d.name === 'live-hints-trim',
    )
    expect(await trim?.run()).toEqual({ deleted: after.length })
    const left = await h.ctx.db.selectFrom('live_hints').select('hint').execute()
    expect(left.map((r) => r.hint)).toEqual([{ t: 'call', queueState: 'fresh' }])
  })
})
