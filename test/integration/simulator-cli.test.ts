import { execFile } from 'node:child_process'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'

import express from 'express'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { jsonErrorHandler } from '../../src/http/error-handler.ts'
import { createSimulatorRouter } from '../../src/telephony/simulator/simulator.routes.ts'
import { type Harness, HOTLINE, startHarness, twiml } from '../helpers/simulator-harness.ts'

const run = promisify(execFile)
const CLI = new URL('../../src/telephony/simulator/cli.ts', import.meta.url).pathname

let h: Harness
let server: Server
let serviceUrl: string

beforeEach(async () => {
  h = await startHarness({ timings: { sayMsPerChar: 1, playMs: 20, secondMs: 100 } })
  const app = express()
  const directory = {
    hotlines: [{ number: HOTLINE, name: 'City Service Hotline', language: 'en-US' }],
    agents: [{ jobNumber: '1001', name: 'Wang Fang', address: 'client:agent-1001' }],
  }
  app.use(
    '/simulator',
    createSimulatorRouter(h.sim, { directory: () => Promise.resolve(directory) }),
  )
  app.use(jsonErrorHandler(pino({ level: 'silent' })))
  server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  await h.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('simulator CLI', () => {
  it('places a call, prints what the caller hears and presses keys (--script)', async () => {
    h.app.on(
      '/voice',
      twiml('<Gather numDigits="1" action="/menu"><Say>Press 1 for water</Say></Gather>'),
    )
    h.app.on('/menu', twiml('<Say>Water it is</Say><Hangup/>'))
    const { stdout } = await run(
      process.execPath,
      [CLI, '--url', serviceUrl, '--script', 'call; wait 0.5; press 1; wait 0.5; state'],
      { timeout: 10_000 },
    )
    expect(stdout).toContain('City Service Hotline')
    expect(stdout).toMatch(/\[caller CA…[0-9a-f]{4}\] 🔊 "Press 1 for water"/)
    expect(stdout).toMatch(/\[caller CA…[0-9a-f]{4}\] 🔊 "Water it is"/)
    expect(stdout).toContain('call ended (completed')
    expect(h.app.hitsTo('/menu')[0]?.params.Digits).toBe('1')
  })

  it('says to start the service when it cannot be reached', async () => {
    const error = await run(
      process.execPath,
      [CLI, '--url', 'http://127.0.0.1:9', '--script', 'state'],
      {
        timeout: 10_000,
      },
    ).catch((e: unknown) => e as { code: number; stderr: string })
    expect(error).toMatchObject({ code: 1 })
    expect((error as { stderr: string }).stderr).toMatch(/npm start/)
  })
})
