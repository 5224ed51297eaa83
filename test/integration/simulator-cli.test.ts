import { execFile } from 'node:child_process'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'

import express from 'express'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { jsonErrorHandler } from '../../src/http/error-handler.ts'
import { createSimulatorRouter } from '../../src/telephony/simulator/simulator.routes.ts'
import { createTwilioTelephony } from '../../src/telephony/telephony.ts'
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  type Harness,
  HOTLINE,
  startHarness,
  twiml,
} from '../helpers/simulator-harness.ts'

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
    departments: [
      {
        code: 'engineering',
        name: 'Engineering 工程部',
        people: [
          { id: 1, name: 'Wu Gang', address: 'client:dept-engineering-1', onDuty: true },
          { id: 2, name: 'Off Duty', address: 'client:dept-engineering-2', onDuty: false },
        ],
      },
    ],
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
  it("plays a department's on-duty people, who answer transfers and accept (autodept)", async () => {
    h.app.on(
      '/dept',
      twiml('<Gather numDigits="1" action="/accepted"><Say>Transfer</Say></Gather>'),
    )
    h.app.on('/accepted', twiml('<Say>Accepted</Say><Hangup/>'))
    // Rung only once the terminal has registered the phone: starting it may take seconds.
    const registered = new Promise<void>((resolve) => {
      const register = h.sim.registerDevice.bind(h.sim)
      h.sim.registerDevice = (address, opts) => {
        register(address, opts)
        if (address === 'client:dept-engineering-1') resolve()
      }
    })
    const cli = run(
      process.execPath,
      [CLI, '--url', serviceUrl, '--script', 'directory; autodept engineering; wait 4'],
      { timeout: 15_000 },
    )
    await registered
    // The service rings the department's person, as a transfer does.
    await createTwilioTelephony({
      mode: 'simulator',
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      httpClient: h.sim.httpClient,
    }).createCall({
      to: 'client:dept-engineering-1',
      from: HOTLINE,
      url: `${h.app.base}/dept`,
      statusCallback: `${h.app.base}/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 20,
    })
    const { stdout } = await cli
    expect(stdout).toContain('engineering')
    expect(stdout).toContain('on duty: Wu Gang')
    expect(stdout).toContain('Wu Gang will answer by themselves')
    expect(h.app.hitsTo('/accepted')[0]?.params.Digits).toBe('1')
  })

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
    // Each command is shown after the prompt it ran at: whose call it acted on.
    expect(stdout).toMatch(/^caller CA…[0-9a-f]{4}> press 1$/m)
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
