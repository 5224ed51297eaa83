import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from '../../src/config.ts'
import { simulatorExposure } from '../../src/telephony/simulator/exposure.ts'

describe('loadConfig', () => {
  it('runs on embedded defaults with the simulator when TWILIO_MODE=simulator', () => {
    const c = loadConfig({ TWILIO_MODE: 'simulator' })
    expect(c.twilio.mode).toBe('simulator')
    expect(c.http.publicBaseUrl).toBe('http://localhost:3000')
    expect(c.db.url).toBeUndefined()
    expect(c.timeZone).toBe('Asia/Shanghai')
    expect(Object.isFrozen(c.voice)).toBe(true)
  })

  it('reads the service level bounds, 15 s and 5 s by default', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    expect(loadConfig(sim).serviceLevel).toEqual({ answerSeconds: 15, shortAbandonSeconds: 5 })
    expect(
      loadConfig({ ...sim, SERVICE_LEVEL_SECONDS: '20', SERVICE_LEVEL_SHORT_ABANDON_SECONDS: '0' })
        .serviceLevel,
    ).toEqual({ answerSeconds: 20, shortAbandonSeconds: 0 })
    expect(() => loadConfig({ ...sim, SERVICE_LEVEL_SECONDS: '0' })).toThrow(
      /SERVICE_LEVEL_SECONDS/,
    )
    expect(() => loadConfig({ ...sim, SERVICE_LEVEL_SHORT_ABANDON_SECONDS: '61' })).toThrow(
      /SERVICE_LEVEL_SHORT_ABANDON_SECONDS/,
    )
  })

  it('names every bad variable in one error', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        TIME_ZONE: 'Mars/Olympus',
        RING_TIMEOUT_SECONDS: '90',
        DATABASE_URL: 'mysql://x',
      })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      const msg = (e as Error).message
      for (const v of ['PORT', 'TIME_ZONE', 'RING_TIMEOUT_SECONDS', 'DATABASE_URL'])
        expect(msg).toContain(v)
    }
  })

  it('wants both Twilio credentials or neither', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` })).toThrow(
      /TWILIO_AUTH_TOKEN/,
    )
    expect(() => loadConfig({ TWILIO_MODE: 'live', TWILIO_AUTH_TOKEN: 'x'.repeat(32) })).toThrow(
      /TWILIO_ACCOUNT_SID/,
    )
    const live = loadConfig({
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      PUBLIC_BASE_URL: 'https://hotline.example.org/',
    })
    expect(live.twilio.mode).toBe('live')
    expect(live.http.publicBaseUrl).toBe('https://hotline.example.org')
  })

  it('takes lunch breaks inside the working hours, and refuses any outside or out of order', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    expect(loadConfig(sim).callbacks.workingBreaks).toEqual([])
    expect(
      loadConfig({ ...sim, WORKING_BREAKS: '12:00-13:00,15:00-15:15' }).callbacks.workingBreaks,
    ).toEqual([
      { start: '12:00', end: '13:00' },
      { start: '15:00', end: '15:15' },
    ])
    for (const bad of [
      '12-13',
      '08:00-10:00',
      '12:00-13:00,12:30-14:00',
      '17:00-18:00',
      '13:00-12:00',
    ])
      expect(() => loadConfig({ ...sim, WORKING_BREAKS: bad }), bad).toThrow(/WORKING_BREAKS/)
  })

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', TWILIO_MODE: 'simulator' }).http.port).toBe(3000)
    expect(() => loadConfig({ TWILIO_MODE: '' })).toThrow(/TWILIO_MODE=simulator/)
  })
})

const SID = `AC${'a'.repeat(32)}`
const TOKEN = 'x'.repeat(32)

describe('choosing real Twilio or the simulator', () => {
  it('never falls back to the simulator silently: nothing set stops with what to set', () => {
    try {
      loadConfig({})
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).problems).toEqual([
        expect.stringMatching(/TWILIO_MODE=simulator.*TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/),
      ])
    }
  })

  it('is live when both credentials are set, with or without TWILIO_MODE=live', () => {
    for (const mode of [undefined, 'live']) {
      const c = loadConfig({ TWILIO_MODE: mode, TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN })
      expect(c.twilio).toEqual({ mode: 'live', accountSid: SID, authToken: TOKEN })
    }
  })

  it('refuses TWILIO_MODE=live without credentials, and an unknown mode', () => {
    expect(() => loadConfig({ TWILIO_MODE: 'live' })).toThrow(
      /TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN/,
    )
    expect(() => loadConfig({ TWILIO_MODE: 'sandbox' })).toThrow(/TWILIO_MODE: must be live or/)
  })

  it('refuses TWILIO_MODE=simulator together with credentials rather than guess', () => {
    for (const creds of [
      { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN },
      { TWILIO_AUTH_TOKEN: TOKEN },
    ]) {
      expect(() => loadConfig({ TWILIO_MODE: 'simulator', ...creds })).toThrow(
        /simulator does not use TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN/,
      )
    }
  })

  it("draws the simulator's webhook token afresh on every load", () => {
    const a = loadConfig({ TWILIO_MODE: 'simulator' }).twilio
    const b = loadConfig({ TWILIO_MODE: 'simulator' }).twilio
    expect(a.authToken).not.toBe(b.authToken)
    expect(a.authToken.length).toBeGreaterThanOrEqual(32)
  })

  it('lets scripts that never call Twilio run without a choice', () => {
    expect(loadConfig({}, { twilioOptional: true }).db.url).toBeUndefined()
    // An incomplete live account is still a mistake worth stopping for.
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: SID }, { twilioOptional: true })).toThrow(
      /TWILIO_AUTH_TOKEN/,
    )
  })
})

describe('the simulator serves only this machine', () => {
  const sim = (env: Record<string, string>) => loadConfig({ TWILIO_MODE: 'simulator', ...env })

  it('accepts loopback hosts and URLs', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost'])
      expect(simulatorExposure(sim({ HOST }))).toBeUndefined()
    expect(simulatorExposure(sim({ PUBLIC_BASE_URL: 'http://[::1]:3000' }))).toBeUndefined()
  })

  it('refuses another HOST or a public URL elsewhere, naming the way out', () => {
    const host = simulatorExposure(sim({ HOST: '0.0.0.0' }))
    expect(host?.problems).toEqual([
      expect.stringMatching(/^HOST: 0\.0\.0\.0 .*SIMULATOR_ALLOW_REMOTE=true/),
    ])
    const url = simulatorExposure(sim({ PUBLIC_BASE_URL: 'https://hotline.example.org' }))
    expect(url?.problems).toEqual([
      expect.stringMatching(/^PUBLIC_BASE_URL: hotline\.example\.org .*SIMULATOR_ALLOW_REMOTE/),
    ])
  })

  it('allows it when SIMULATOR_ALLOW_REMOTE=true says so, and never applies to live', () => {
    expect(
      simulatorExposure(sim({ HOST: '0.0.0.0', SIMULATOR_ALLOW_REMOTE: 'true' })),
    ).toBeUndefined()
    const live = loadConfig({ HOST: '0.0.0.0', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN })
    expect(simulatorExposure(live)).toBeUndefined()
  })
})
