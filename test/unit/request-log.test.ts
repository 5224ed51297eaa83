import { Writable } from 'node:stream'

import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'

import { requestLog } from '../../src/http/request-log.ts'
import { createLogger } from '../../src/logger.ts'

// The request logger that replaced pino-http keeps its lines' shape: req {id, method, path},
// res {statusCode}, responseTime, 'request completed' / 'request errored'.
function appLogging(level: string) {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      cb()
    },
  })
  const app = express()
  app.use(
    requestLog(app, createLogger({ level, destination }), {
      requestId: () => 'req-1',
      ignore: (req) => req.url === '/healthz',
    }),
  )
  app.get('/ok', (req, res) => {
    req.log.warn({ why: 'test' }, 'handler warned')
    res.send('ok')
  })
  app.get('/quiet', (_req, res) => res.send('quiet'))
  app.get('/broken', (_req, res) => res.status(503).send('no'))
  app.get('/healthz', (_req, res) => res.send('up'))
  // 'close' comes just after the answer has gone: wait for the line.
  const settle = () => new Promise((r) => setTimeout(r, 20))
  return { app, lines, settle }
}

describe('the request log', () => {
  it("logs one line per request, and req.log's lines carry the request", async () => {
    const { app, lines, settle } = appLogging('info')
    await request(app).get('/ok?From=%2B8613800001111')
    await request(app).get('/quiet')
    await settle()
    const req = { id: 'req-1', method: 'GET', path: '/ok' }
    expect(lines.map((l) => [l['msg'], l['req']])).toEqual([
      ['handler warned', req],
      ['request completed', req],
      ['request completed', { ...req, path: '/quiet' }],
    ])
    expect(lines[1]?.['res']).toEqual({ statusCode: 200 })
    expect(typeof lines[1]?.['responseTime']).toBe('number')
    // The query string (a phone number here) is never logged.
    expect(JSON.stringify(lines)).not.toContain('8613800001111')
  })

  it('says a 5xx errored, and leaves out the ignored paths', async () => {
    const { app, lines, settle } = appLogging('info')
    await request(app).get('/broken')
    await request(app).get('/healthz')
    await settle()
    expect(lines).toHaveLength(1)
    expect(lines[0]?.['msg']).toBe('request errored')
    expect(lines[0]?.['res']).toEqual({ statusCode: 503 })
    expect(JSON.stringify(lines[0]?.['err'])).toContain('failed with status code 503')
  })

  it('writes no completed line below its level, but still the handler’s warning', async () => {
    const { app, lines, settle } = appLogging('warn')
    await request(app).get('/ok')
    await request(app).get('/quiet')
    await settle()
    expect(lines.map((l) => l['msg'])).toEqual(['handler warned'])
  })
})
