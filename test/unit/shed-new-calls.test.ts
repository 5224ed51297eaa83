import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'

import { poolWaits } from '../../src/db/pool-waits.ts'
import { createLogger } from '../../src/logger.ts'
import { shedNewCalls } from '../../src/voice/shed-new-calls.ts'

function deferred<T>() {
  let resolve: (v: T) => void = () => {}
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('poolWaits', () => {
  it('reports the oldest wait still pending, and nothing once all are served', async () => {
    const w = poolWaits()
    expect(w.oldestMs()).toBe(0)
    const first = deferred<string>()
    const second = deferred<string>()
    const a = w.connect(() => first.promise)
    await sleep(60)
    const b = w.connect(() => second.promise)
    expect(w.oldestMs()).toBeGreaterThanOrEqual(55)
    first.resolve('a')
    expect(await a).toBe('a')
    // The second has waited only since it asked.
    expect(w.oldestMs()).toBeLessThan(55)
    second.resolve('b')
    expect(await b).toBe('b')
    expect(w.oldestMs()).toBe(0)
  })

  it('forgets a wait that failed', async () => {
    const w = poolWaits()
    await expect(w.connect(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused')
    expect(w.oldestMs()).toBe(0)
  })
})

describe('shedNewCalls', () => {
  function app(afterMs: number, behindMs: number) {
    const lines: { msg: string; shed?: number }[] = []
    const logger = createLogger({
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) },
    })
    let shed = 0
    const a = express()
    a.post(
      '/incoming',
      shedNewCalls({
        afterMs,
        behindMs: () => behindMs,
        onShed: () => shed++,
        logger,
        language: 'en-US',
      }),
      (_req, res) => void res.type('text/xml').send('<Response><Say>menu</Say></Response>'),
    )
    return { a, shed: () => shed, lines }
  }

  it('lets calls through while the process keeps up', async () => {
    const x = app(5000, 4999)
    const res = await request(x.a).post('/incoming')
    expect(res.status).toBe(200)
    expect(res.text).toContain('menu')
    expect(x.shed()).toBe(0)
  })

  it('turns new calls away with a 503 and TwiML once it is behind, logging once per 10 s', async () => {
    const x = app(5000, 5000)
    for (let i = 0; i < 3; i++) {
      const res = await request(x.a).post('/incoming')
      expect(res.status).toBe(503)
      expect(res.headers['content-type']).toMatch(/^text\/xml/)
      expect(res.text).toMatch(
        /^<\?xml[^>]*\?><Response><Say[^>]*>[^<]+<\/Say><Hangup\/><\/Response>$/,
      )
    }
    expect(x.shed()).toBe(3)
    const logged = x.lines.filter((l) => l.msg.startsWith('new calls turned away'))
    expect(logged).toHaveLength(1)
    expect(logged[0]?.shed).toBe(1)
  })

  it('never sheds when off (0)', async () => {
    const x = app(0, 60_000)
    expect((await request(x.a).post('/incoming')).status).toBe(200)
    expect(x.shed()).toBe(0)
  })
})
