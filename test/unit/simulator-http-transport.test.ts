import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { createHttpTransport } from '../../src/telephony/simulator/http-transport.ts'

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

let server: Server
let base: string
let handler: Handler
let connections: number
let transport: ReturnType<typeof createHttpTransport>

beforeEach(async () => {
  connections = 0
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => handler(req, body, res))
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  transport = createHttpTransport()
})

afterEach(async () => {
  transport.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const post = (path: string, signals: AbortSignal[] = [], timeoutMs = 5000) =>
  transport.send({
    url: base + path,
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'sig' },
    body: 'CallSid=CA1&Digits=1%232',
    signals,
    timeoutMs,
  })

describe('the simulator webhook transport (node:http)', () => {
  it('sends method, headers and body as given and returns status, content type and body', async () => {
    let seen: { method?: string; url?: string; sig?: string; body: string } | undefined
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        url: req.url,
        sig: req.headers['x-twilio-signature'] as string,
        body,
      }
      res.writeHead(201, { 'Content-Type': 'text/xml; charset=utf-8' })
      res.end('<Response><Say>你好</Say></Response>')
    }
    const res = await post('/voice/incoming?x=1')
    expect(seen).toEqual({
      method: 'POST',
      url: '/voice/incoming?x=1',
      sig: 'sig',
      body: 'CallSid=CA1&Digits=1%232',
    })
    expect(res).toEqual({
      status: 201,
      contentType: 'text/xml; charset=utf-8',
      body: '<Response><Say>你好</Say></Response>',
    })
  })

  it('keeps the connection for the next webhook, as Twilio reuses its connections', async () => {
    handler = (_req, _body, res) => res.end('<Response/>')
    for (let i = 0; i < 5; i++) await post('/voice/status')
    expect(connections).toBe(1)
  })

  it('sends again, once, when the server closed a kept connection just as it was reused', async () => {
    let requests = 0
    handler = (req, _body, res) => {
      requests++
      // The second request arrives on the kept connection: the server drops it unanswered, as
      // one whose idle timeout fired at that moment does.
      if (requests === 2) req.socket.destroy()
      else res.end('<Response/>')
    }
    await post('/voice/status')
    expect((await post('/voice/status')).status).toBe(200)
    expect({ requests, connections }).toEqual({ requests: 3, connections: 2 })
  })

  it('does not send again when a new connection fails', async () => {
    handler = (req) => req.socket.destroy()
    await expect(post('/voice/status')).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(connections).toBe(1)
  })

  it('fails with a TimeoutError when the answer takes longer than the limit', async () => {
    handler = (_req, _body, res) => setTimeout(() => res.end('<Response/>'), 500)
    await expect(post('/slow', [], 50)).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('withdraws the request when any of its signals aborts, before or while it is in flight', async () => {
    handler = () => {} // never answers
    const call = new AbortController()
    const pending = post('/hold', [new AbortController().signal, call.signal])
    setTimeout(() => call.abort(new Error('caller hung up')), 20)
    await expect(pending).rejects.toThrow('caller hung up')

    const already = new AbortController()
    already.abort(new Error('closed'))
    await expect(post('/hold', [already.signal])).rejects.toThrow('closed')
  })

  it('ends the requests in flight when closed, without sending them again, and refuses new ones', async () => {
    let requests = 0
    const bothArrived = new Promise<void>((resolve) => {
      handler = () => {
        requests++ // never answered
        if (requests === 2) resolve()
      }
    })
    const inFlight = Promise.allSettled([post('/hold'), post('/hold')])
    await bothArrived
    transport.close()
    expect((await inFlight).map((r) => r.status)).toEqual(['rejected', 'rejected'])
    await expect(post('/hold')).rejects.toThrow('closed')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requests).toBe(2)
  })

  it('rejects a URL it cannot send to instead of throwing', async () => {
    await expect(
      transport.send({
        url: 'ftp://example.com/x',
        method: 'GET',
        headers: {},
        signals: [],
        timeoutMs: 100,
      }),
    ).rejects.toThrow('Unsupported protocol')
    await expect(
      transport.send({ url: 'not a url', method: 'GET', headers: {}, signals: [], timeoutMs: 100 }),
    ).rejects.toThrow('Invalid URL')
  })
})
