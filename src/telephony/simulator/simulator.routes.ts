import express, { type Request, type Response, Router } from 'express'
import { z } from 'zod'

import { NotFoundError } from '../../errors.ts'
import { rejectNulBytes } from '../../http/body-guards.ts'
import type { Simulator } from './simulator.ts'

/**
 * The simulator's control API, mounted at /simulator in simulator mode: the terminal (and any
 * browser page) places calls, presses keys, speaks, answers as an agent's device, and follows
 * everything on /events. Errors are thrown to the app's JSON error handler (ZodError → 400,
 * NotFoundError → 404, invalid state → 409).
 */

export interface SimulatorDirectory {
  hotlines: { number: string; name: string; language: string }[]
  agents: { jobNumber: string; name: string; address: string }[]
  /** Departments' people who take transfers, so the terminal can play them too. */
  departments?: {
    code: string
    name: string
    people: { id: number; name: string; address: string; onDuty: boolean }[]
  }[]
}

/** The case a call belongs to: the terminal prints its reference, for the agent API. */
export interface SimulatorCase {
  reference: string
  firstOwnerJobNumber: string | null
}

export interface SimulatorRouterOptions {
  directory(): Promise<SimulatorDirectory>
  caseOfCall?(callSid: string): Promise<SimulatorCase | undefined>
  /** SSE keep-alive comment interval; proxies drop silent streams. */
  heartbeatMs?: number
}

const E164 = /^\+[1-9]\d{1,14}$/
const address = z
  .string()
  .regex(
    /^(\+[1-9]\d{1,14}|client:[\w.@+-]+)$/,
    'must be an E.164 number such as +8613800138000, or client:name',
  )
const digits = z.string().regex(/^[0-9*#wW]{1,32}$/, 'must be 1 to 32 of 0-9, *, # (w = pause)')

const placeCallBody = z.object({
  from: address,
  to: z.string().regex(E164, 'must be a hotline number in E.164 form, such as +861012345'),
  callerName: z.string().trim().min(1).max(64).optional(),
})
const digitsBody = z.object({ digits })
const speakBody = z.object({ text: z.string().trim().min(1, 'say something').max(2000) })
const deviceBody = z.object({
  address,
  autoAnswer: z
    .object({ afterMs: z.number().int().min(0).max(60_000), digits: digits.optional() })
    .optional(),
})
const callSid = z.string().regex(/^CA[0-9a-f]{32}$/, 'must be a call SID: CA and 32 hex digits')
const callParams = z.object({ sid: callSid })
const deviceParams = z.object({ address })

export function createSimulatorRouter(sim: Simulator, opts: SimulatorRouterOptions): Router {
  const router = Router()
  router.use(express.json({ limit: '16kb' }), rejectNulBytes)

  router.get('/directory', async (_req, res) => {
    res.json(await opts.directory())
  })

  router.get('/state', (_req, res) => {
    res.json(sim.snapshot())
  })

  router.post('/calls', async (req, res) => {
    const body = placeCallBody.parse(req.body)
    res.status(201).json(await sim.placeCall(body))
  })

  router.get('/calls/:sid/case', async (req, res) => {
    const { sid } = callParams.parse(req.params)
    const found = await opts.caseOfCall?.(sid)
    if (!found) throw new NotFoundError('A case for call', sid)
    res.json(found)
  })

  const callAction =
    (act: (sid: string, req: Request) => void) => (req: Request, res: Response) => {
      const { sid } = callParams.parse(req.params)
      act(sid, req)
      res.status(204).end()
    }
  router.post(
    '/calls/:sid/digits',
    callAction((sid, req) => sim.press(sid, digitsBody.parse(req.body).digits)),
  )
  router.post(
    '/calls/:sid/speak',
    callAction((sid, req) => sim.speak(sid, speakBody.parse(req.body).text)),
  )
  router.post(
    '/calls/:sid/hangup',
    callAction((sid) => sim.hangup(sid)),
  )
  router.post(
    '/calls/:sid/answer',
    callAction((sid) => sim.answer(sid)),
  )
  router.post(
    '/calls/:sid/reject',
    callAction((sid) => sim.reject(sid)),
  )

  router.post('/devices', (req, res) => {
    const body = deviceBody.parse(req.body)
    sim.registerDevice(body.address, { autoAnswer: body.autoAnswer })
    res.status(201).json({ address: body.address })
  })

  router.delete('/devices/:address', (req, res) => {
    sim.unregisterDevice(deviceParams.parse(req.params).address)
    res.status(204).end()
  })

  router.get('/events', (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    })
    res.write(': simulator events\n\n')
    const unsubscribe = sim.subscribe((event) => {
      res.write(`data: ${JSON.stringify(event)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), opts.heartbeatMs ?? 15_000)
    const stop = () => {
      clearInterval(heartbeat)
      unsubscribe()
      sim.signal.removeEventListener('abort', end)
    }
    // The simulator closing ends the stream, so the server can shut down.
    const end = () => {
      stop()
      res.end()
    }
    if (sim.signal.aborted) return end()
    sim.signal.addEventListener('abort', end, { once: true })
    req.on('close', stop)
  })

  return router
}
