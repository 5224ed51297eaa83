import net from 'node:net'

import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { loadDemoData } from '../../src/db/demo-data.ts'
import { startService } from '../../src/main.ts'
import type { Simulator, SimulatorTimings } from '../../src/telephony/simulator/simulator.ts'
import { cloneTestDatabase } from './databases.ts'

/** A port nobody listens on now, for a whole service started by a test. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Polls `f` until it gives something (not undefined or false), or fails after `ms`. */
export async function until<T>(
  what: string,
  f: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface RunningService {
  ctx: AppContext
  sim: Simulator
  base: string
  /** Stops the service and drops its database. */
  stop: () => Promise<void>
}

/**
 * The whole service as `npm start` runs it, in simulator mode, on its own database and queue
 * prefix, with the demo organisation loaded. Speech and rings are fast by default: the flow is
 * real, the waiting is not.
 */
export async function startSimulatedService(
  env: Record<string, string> = {},
  timings: SimulatorTimings = {
    sayMsPerChar: 0,
    playMs: 200,
    ringTimeoutScale: 0.05,
    secondMs: 100,
  },
): Promise<RunningService> {
  const db = await cloneTestDatabase(inject('pgServerUrl'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const started = await startService(
    {
      PORT: String(port),
      PUBLIC_BASE_URL: base,
      TWILIO_MODE: 'simulator',
      DATABASE_URL: db.url,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `svc${port}`,
      LOG_LEVEL: 'silent',
      RING_TIMEOUT_SECONDS: '10',
      DISPATCH_SWEEP_MS: '500',
      ...env,
    },
    { simulatorTimings: timings },
  )
  const { ctx } = started
  await loadDemoData(ctx.db)
  if (!ctx.simulator) throw new Error('expected the simulator: no Twilio credentials were given')
  return {
    ctx,
    sim: ctx.simulator,
    base,
    stop: async () => {
      await started.stop()
      await db.drop()
    },
  }
}
