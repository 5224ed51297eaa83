import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

import { describe, expect, it } from 'vitest'

import { quotaUs } from '../../bench/day/cpu-cap.ts'
import { haproxyConfig, nodeBalancer } from '../../bench/day/lb.ts'
import {
  type CallerRecord,
  counterSum,
  doubledDials,
  failuresOutsideFaults,
  histogramShares,
  inWindow,
  latencyByRoute,
  lockWaits,
  missedWhenFree,
  percentile,
  summarise,
  summariseSlowWebhooks,
  worstWindows,
} from '../../bench/day/report.ts'

// The pure pieces of `npm run bench:day`: its arithmetic and its exactly-once checks.

describe('percentile (nearest rank)', () => {
  it('takes the value at rank ceil(p/100 * n)', () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
    // p50 of 1..10: rank ceil(5) = 5 → 5; p99: rank ceil(9.9) = 10 → 10; p10: rank 1 → 1.
    expect(percentile(ten, 50)).toBe(5)
    expect(percentile(ten, 99)).toBe(10)
    expect(percentile(ten, 10)).toBe(1)
    expect(percentile([], 50)).toBeNaN()
  })
})

describe('latencyByRoute', () => {
  it('groups by route, counts failures (no answer or 5xx) and orders by volume', () => {
    const r = latencyByRoute([
      { route: '/voice/hold', ms: 4, status: 200, at: 0 },
      { route: '/voice/incoming', ms: 10, status: 200, at: 0 },
      { route: '/voice/incoming', ms: 30, status: 0, at: 0 },
      { route: '/voice/incoming', ms: 20, status: 503, at: 0 },
    ])
    // /voice/incoming: 3 samples (10, 20, 30): p50 rank 2 → 20, p99 rank 3 → 30; 2 failed.
    expect(Object.keys(r)).toEqual(['/voice/incoming', '/voice/hold'])
    expect(r['/voice/incoming']).toEqual({ n: 3, failed: 2, p50: 20, p99: 30 })
    expect(r['/voice/hold']).toEqual({ n: 1, failed: 0, p50: 4, p99: 4 })
  })
})

describe('summarise', () => {
  const caller = (c: Partial<CallerRecord>): CallerRecord => ({
    from: '+8613900000000',
    placedAt: 0,
    willAbandon: false,
    extraAgents: 0,
    ...c,
  })
  it('counts 15-second answers, overall and among callers queued while an agent was free', () => {
    const s = summarise(
      [
        // answered after 15.000 s exactly: within
        caller({ queuedAt: 1000, answeredAt: 16_000, agentFree: true, endedAt: 1 }),
        // answered after 15.001 s: not within, although an agent was free
        caller({ queuedAt: 1000, answeredAt: 16_001, agentFree: true, endedAt: 1 }),
        // answered after 2 s, nobody was free: within, counted only overall
        caller({ queuedAt: 0, answeredAt: 2000, agentFree: false, endedAt: 1 }),
        // abandoned in the queue, a second agent joined another: both counted
        caller({ queuedAt: 0, abandoned: true, endedAt: 1 }),
        caller({ dropped: true, extraAgents: 1 }),
      ],
      [],
    )
    expect(s).toMatchObject({
      offered: 5,
      queued: 4,
      answered: 3,
      answeredWithin15s: 2,
      queuedWithAgentFree: 2,
      answeredWithin15sWhenFree: 1,
      abandoned: 1,
      dropped: 1,
      notEnded: 1,
      doubledAgents: 1,
    })
  })

  it('lists the misses: queued with an agent free, not answered within 15 s', () => {
    const late = caller({ sid: 'CA2', queuedAt: 1000, answeredAt: 16_001, agentFree: true })
    const never = caller({ sid: 'CA3', queuedAt: 1000, agentFree: true })
    const missed = missedWhenFree([
      caller({ sid: 'CA1', queuedAt: 1000, answeredAt: 16_000, agentFree: true }),
      late,
      never,
      caller({ sid: 'CA4', queuedAt: 0, answeredAt: 20_000, agentFree: false }),
    ])
    expect(missed).toEqual([late, never])
  })
})

describe('doubledDials', () => {
  it('flags an attempt dialled twice to the same number, not a person-first pair', () => {
    const dials = [
      { cb: '7', a: '1', to: 'client:agent-2001' },
      { cb: '7', a: '1', to: '+8613900000001' }, // the caller after the person: one attempt
      { cb: '8', a: '1', to: '+8613900000002' },
      { cb: '8', a: '2', to: '+8613900000002' }, // a retry is a new attempt
      { cb: '9', a: '1', to: '+8613900000003' },
      { cb: '9', a: '1', to: '+8613900000003' }, // doubled
    ]
    expect(doubledDials(dials)).toEqual(['9/1/+8613900000003'])
  })
})

describe('inWindow', () => {
  it('keeps [from, from + window)', () => {
    const xs = [{ at: 999 }, { at: 1000 }, { at: 1999 }, { at: 2000 }]
    expect(inWindow(xs, 1000, 1000)).toEqual([{ at: 1000 }, { at: 1999 }])
  })
})

describe('failuresOutsideFaults', () => {
  const xs = [{ at: 500 }, { at: 1000 }, { at: 1999 }, { at: 2000 }, { at: 5500 }]
  it('keeps the failures no fault window covers', () => {
    expect(failuresOutsideFaults(xs, [1000, 5000], 1000)).toEqual([{ at: 500 }, { at: 2000 }])
    expect(failuresOutsideFaults(xs, [1000, 5000], 1001)).toEqual([{ at: 500 }])
  })
  it('keeps every failure of a day without faults', () => {
    expect(failuresOutsideFaults(xs, [], 60_000)).toEqual(xs)
  })
})

describe('haproxyConfig', () => {
  it('lists every web backend, health-checked on /readyz, retried on refused connections', () => {
    const cfg = haproxyConfig(8080, [3001, 3002])
    expect(cfg).toContain('bind 127.0.0.1:8080')
    expect(cfg).toContain('server web1 127.0.0.1:3001')
    expect(cfg).toContain('server web2 127.0.0.1:3002')
    expect(cfg).toContain('http-check send meth GET uri /readyz')
    expect(cfg).toContain('retry-on conn-failure empty-response 503')
    expect(cfg).toContain('timeout check 5s')
  })

  // A client that keeps an idle connection as long as it is told must not send on one HAProxy
  // has closed: the hint it gets is HAProxy's own idle timeout, not the instances' (5 s).
  it.each([
    ['the bench', () => haproxyConfig(8080, [3001])],
    ['ops/haproxy/shouwen.cfg', () => readFileSync('ops/haproxy/shouwen.cfg', 'utf8')],
  ])("tells clients HAProxy's own keep-alive timeout (%s)", (_name, config) => {
    const cfg = config()
    const idle = /^\s*timeout http-keep-alive (\d+)s$/m.exec(cfg)?.[1]
    const told = /^\s*http-response set-header Keep-Alive timeout=(\d+)$/m.exec(cfg)?.[1]
    expect(idle).toBeDefined()
    expect(told).toBe(idle)
  })
})

describe('nodeBalancer (the bench load balancer when HAProxy is not installed)', () => {
  it('retries a refused connection on the other instance, for every request', async () => {
    const live = http.createServer((_req, res) => res.end('live'))
    await new Promise<void>((r) => live.listen(0, '127.0.0.1', r))
    // A port nothing listens on: an instance killed a moment ago.
    const dead = http.createServer()
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
    const deadPort = (dead.address() as AddressInfo).port
    await new Promise<void>((r) => dead.close(() => r()))
    const lb = nodeBalancer([deadPort, (live.address() as AddressInfo).port])
    await new Promise<void>((r) => lb.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(lb.address() as AddressInfo).port}/voice/incoming`
      // Before the first health check both count as healthy: round robin starts on each in turn.
      // One after another, so every retry's choice is this request's own.
      const answers: string[] = []
      for (let i = 0; i < 6; i++) answers.push(await (await fetch(url, { method: 'POST' })).text())
      expect(answers).toEqual(Array(6).fill('live'))
    } finally {
      lb.close()
      live.close()
    }
  })
})

describe('worstWindows', () => {
  it('cuts the day into windows and ranks them by p99', () => {
    const at = (s: number) => 1_000_000 + s * 1000
    const samples = [
      ...Array.from({ length: 100 }, (_, i) => ({
        route: '/a',
        ms: 5,
        status: 200,
        at: at(i % 10),
      })),
      ...Array.from({ length: 100 }, () => ({ route: '/a', ms: 5, status: 200, at: at(12) })),
      { route: '/a', ms: 900, status: 200, at: at(13) },
      { route: '/a', ms: 800, status: 200, at: at(14) },
    ]
    const w = worstWindows(samples, at(0), 10_000, 5)
    expect(w).toEqual([
      { from: at(10), n: 102, p99: 800, max: 900 },
      { from: at(0), n: 100, p99: 5, max: 5 },
    ])
  })
})

describe('counterSum', () => {
  it("adds a counter's value over instances and label sets, and nothing of a longer name", () => {
    const a = ['# TYPE c counter', 'c 3', 'c_other 100', 'c{x="1"} 2'].join('\n')
    const b = ['c 4'].join('\n')
    expect(counterSum([a, b, ''], 'c')).toBe(9)
    expect(counterSum([''], 'c')).toBe(0)
  })
})

describe('histogramShares', () => {
  it('sums a histogram over label sets and instances into shares at each bound', () => {
    const one = [
      '# TYPE h histogram',
      'h_bucket{route="/a",le="0.1"} 8',
      'h_bucket{route="/a",le="1"} 10',
      'h_bucket{route="/a",le="+Inf"} 10',
      'h_bucket{route="/b",le="0.1"} 0',
      'h_bucket{route="/b",le="1"} 5',
      'h_bucket{route="/b",le="+Inf"} 10',
      'other_bucket{le="0.1"} 99',
    ].join('\n')
    const two =
      'h_bucket{route="/a",le="0.1"} 12\nh_bucket{route="/a",le="1"} 15\nh_bucket{route="/a",le="+Inf"} 20'
    const shares = histogramShares([one, two], 'h')
    expect([...shares]).toEqual([
      [0.1, 20 / 40],
      [1, 30 / 40],
    ])
  })
})

describe('summariseSlowWebhooks', () => {
  it("shares the slow webhooks' time out by part and counts them by route", () => {
    const w = (route: string, ms: number, dbMs: number, otherMs: number, cpuMs: number) => ({
      route,
      ms,
      dbMs,
      queries: 3,
      poolWaitMs: 0,
      redisMs: ms - dbMs - otherMs,
      twilioMs: 0,
      otherMs,
      cpuMs,
      slowestQueryMs: dbMs / 2,
      slowestQuery: route === '/voice/menu' ? 'insert into cases' : 'commit',
    })
    const s = summariseSlowWebhooks([
      w('/voice/menu', 200, 100, 60, 50),
      w('/voice/menu', 100, 20, 80, 100),
      w('/voice/status', 100, 0, 100, 20),
    ])
    expect(s.n).toBe(3)
    expect(s.byRoute).toEqual([
      ['/voice/menu', 2],
      ['/voice/status', 1],
    ])
    expect(s.shares.db).toBeCloseTo(120 / 400)
    expect(s.shares.other).toBeCloseTo(240 / 400)
    expect(s.shares.redis).toBeCloseTo(40 / 400)
    expect(s.cpuPerMsP50).toBeCloseTo(0.25)
    expect(s.slowestQueries).toEqual([
      { query: 'insert into cases', n: 2, ms: 60 },
      { query: 'commit', n: 1, ms: 0 },
    ])
  })
})

describe('lockWaits', () => {
  it("reads each acquired lock's wait with where and in which statement it waited", () => {
    const log = [
      '2026-12-04 02:40:00.100 UTC LOG:  process 11 still waiting for ShareLock on transaction 7 after 20.050 ms',
      '2026-12-04 02:40:00.100 UTC DETAIL:  Process holding the lock: 12. Wait queue: 11.',
      '2026-12-04 02:40:00.100 UTC CONTEXT:  while updating tuple (0,7) in relation "agents"',
      '2026-12-04 02:40:00.100 UTC STATEMENT:  update agents set presence = $1 where id = $2',
      '2026-12-04 02:40:00.180 UTC LOG:  process 11 acquired ShareLock on transaction 7 after 85.250 ms',
      '2026-12-04 02:40:00.180 UTC CONTEXT:  while updating tuple (0,7) in relation "agents"',
      '2026-12-04 02:40:00.180 UTC STATEMENT:  update agents',
      '\tset presence = $1 where id = $2',
      '2026-12-04 02:40:01.000 UTC LOG:  checkpoint starting: time',
      '2026-12-04 02:40:02.000 UTC LOG:  process 13 acquired ExclusiveLock on tuple (3,4) of relation 1663 of database 5 after 31.000 ms',
    ].join('\n')
    expect(lockWaits(log)).toEqual([
      {
        at: Date.parse('2026-12-04T02:40:00.180Z'),
        lock: 'ShareLock on transaction',
        ms: 85.25,
        context: 'while updating tuple  in relation "agents"',
        statement: 'update agents set presence = $1 where id = $2',
      },
      {
        at: Date.parse('2026-12-04T02:40:02.000Z'),
        lock: 'ExclusiveLock on tuple',
        ms: 31,
        context: '',
        statement: '',
      },
    ])
  })
})

describe('quotaUs (bench:day --cpus)', () => {
  it('gives the quota per 10-ms period, and refuses what is not a positive number of cores', () => {
    expect(quotaUs(1.45)).toBe(14_500)
    expect(quotaUs(2)).toBe(20_000)
    expect(quotaUs(0.1)).toBe(1000)
    for (const bad of [0, 0.05, -1, Number.NaN, 2000]) expect(() => quotaUs(bad)).toThrow(/--cpus/)
  })
})
