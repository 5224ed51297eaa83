import type { AddressInfo } from 'node:net'

import express from 'express'
import twilio from 'twilio'

import {
  createSimulator,
  type SimEvent,
  type Simulator,
  type SimulatorOptions,
} from '../../src/telephony/simulator/simulator.ts'
import { createTwilioTelephony, type Telephony } from '../../src/telephony/telephony.ts'

/**
 * A tiny local app playing "our service" for the simulator tests: it serves TwiML per path and
 * records every request with whether its X-Twilio-Signature is valid.
 */

export const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2)
export const AUTH_TOKEN = 'simulator-test-auth-token'
export const HOTLINE = '+861012345'
export const CALLER = '+8613800138000'

export interface Hit {
  method: string
  path: string
  url: string
  params: Record<string, string>
  signatureValid: boolean
}

type Answer = string | { status: number; body?: string; type?: string }
export type Handler = (params: Record<string, string>, hit: Hit) => Answer

export interface TwimlApp {
  base: string
  hits: Hit[]
  routes: Map<string, Handler>
  on(path: string, handler: Handler | string): void
  hitsTo(path: string): Hit[]
  close(): Promise<void>
}

export async function startTwimlApp(): Promise<TwimlApp> {
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  const hits: Hit[] = []
  const routes = new Map<string, Handler>()
  let base = ''
  app.use((req, res) => {
    const url = base + req.originalUrl
    const params = (req.method === 'POST' ? req.body : {}) as Record<string, string>
    const signature = req.header('x-twilio-signature') ?? ''
    const hit: Hit = {
      method: req.method,
      path: req.path,
      url,
      params,
      signatureValid: twilio.validateRequest(AUTH_TOKEN, signature, url, params),
    }
    hits.push(hit)
    const handler = routes.get(req.path)
    const answer: Answer = handler ? handler(params, hit) : { status: 200, body: '' }
    if (typeof answer === 'string') {
      res.type('text/xml').send(answer)
    } else {
      res
        .status(answer.status)
        .type(answer.type ?? 'text/plain')
        .send(answer.body ?? '')
    }
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    hits,
    routes,
    on(path, handler) {
      routes.set(path, typeof handler === 'string' ? () => handler : handler)
    },
    hitsTo: (path) => hits.filter((h) => h.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // A webhook the simulator aborted at close may still hold its socket open.
        server.closeAllConnections()
      }),
  }
}

export function twiml(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`
}

export interface Harness {
  app: TwimlApp
  sim: Simulator
  /** The service's Twilio port, its requests carried to the simulator's REST edge. */
  telephony: Telephony
  events: SimEvent[]
  /** Resolves with the first event (past or future) matching `pred`. */
  waitForEvent(pred: (e: SimEvent) => boolean, timeoutMs?: number): Promise<SimEvent>
  waitFor<T>(probe: () => T | undefined | false, timeoutMs?: number): Promise<T>
  close(): Promise<void>
}

export async function startHarness(opts: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const app = await startTwimlApp()
  const sim = createSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    resolveNumber: (to) =>
      to === HOTLINE
        ? { voiceUrl: `${app.base}/voice`, statusCallback: `${app.base}/voice/status` }
        : undefined,
    timings: { sayMsPerChar: 0, playMs: 20, ringTimeoutScale: 0.01, secondMs: 50 },
    ...opts,
  })
  const events: SimEvent[] = []
  sim.subscribe((e) => events.push(e))
  const waitFor = async <T>(probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> => {
    const until = Date.now() + timeoutMs
    for (;;) {
      const v = probe()
      if (v !== undefined && v !== false) return v
      if (Date.now() > until) throw new Error('waitFor: timed out')
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  return {
    app,
    sim,
    telephony: createTwilioTelephony({
      mode: 'simulator',
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      httpClient: sim.httpClient,
    }),
    events,
    waitFor,
    waitForEvent: (pred, timeoutMs) => waitFor(() => events.find(pred), timeoutMs),
    async close() {
      await sim.close()
      await app.close()
    },
  }
}
