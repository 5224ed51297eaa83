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

  it("takes a Postgres on the same host by its Unix socket, the socket's directory as the host", () => {
    // The form the README's Operations section gives (and bench:day uses).
    const url = 'postgres://shouwen@%2Fvar%2Frun%2Fpostgresql/shouwen'
    expect(loadConfig({ TWILIO_MODE: 'simulator', DATABASE_URL: url }).db.url).toBe(url)
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

  it('sets an agent away after 2 offers rung out in a row by default; 0 turns it off', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    expect(loadConfig(sim).missedOffersBeforeAway).toBe(2)
    expect(loadConfig({ ...sim, MISSED_OFFERS_BEFORE_AWAY: '0' }).missedOffersBeforeAway).toBe(0)
    expect(() => loadConfig({ ...sim, MISSED_OFFERS_BEFORE_AWAY: '-1' })).toThrow(
      /MISSED_OFFERS_BEFORE_AWAY/,
    )
    expect(() => loadConfig({ ...sim, MISSED_OFFERS_BEFORE_AWAY: 'two' })).toThrow(
      /MISSED_OFFERS_BEFORE_AWAY/,
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

  it('reads WORKING_HOURS as a list of stretches, the breaks between them', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    const day = loadConfig({ ...sim, WORKING_HOURS: '09:00-12:00,13:30-18:00' }).callbacks
    expect(day.workingHours).toEqual({ start: '09:00', end: '18:00' })
    expect(day.workingBreaks).toEqual([{ start: '12:00', end: '13:30' }])
    const three = loadConfig({ ...sim, WORKING_HOURS: '08:30-12:00,13:00-17:00,19:00-21:00' })
    expect(three.callbacks.workingHours).toEqual({ start: '08:30', end: '21:00' })
    expect(three.callbacks.workingBreaks).toEqual([
      { start: '12:00', end: '13:00' },
      { start: '17:00', end: '19:00' },
    ])
    // One range alone is as before, and WORKING_BREAKS still goes with it.
    const old = loadConfig({ ...sim, WORKING_HOURS: '09:00-18:00', WORKING_BREAKS: '12:00-13:00' })
    expect(old.callbacks).toMatchObject({
      workingHours: { start: '09:00', end: '18:00' },
      workingBreaks: [{ start: '12:00', end: '13:00' }],
    })
    for (const bad of [
      '09:00-12:00,11:00-18:00', // overlapping
      '13:30-18:00,09:00-12:00', // not ascending
      '09:00-12:00,12:00-18:00', // touching: no break between them
      '12:00-09:00',
    ])
      expect(() => loadConfig({ ...sim, WORKING_HOURS: bad }), bad).toThrow(/WORKING_HOURS/)
    expect(() => loadConfig({ ...sim, WORKING_HOURS: '09:00-12:00;13:00-18:00' })).toThrow(
      /WORKING_HOURS: must look like 09:00-18:00, or 09:00-12:00,13:30-18:00/,
    )
    // Both forms at once could disagree: refused, saying which to keep.
    expect(() =>
      loadConfig({
        ...sim,
        WORKING_HOURS: '09:00-12:00,13:00-18:00',
        WORKING_BREAKS: '12:00-13:00',
      }),
    ).toThrow(/WORKING_BREAKS: give the breaks in WORKING_HOURS alone/)
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

describe('Redis that fails over (Sentinel)', () => {
  const sim = { TWILIO_MODE: 'simulator' }
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig({ ...sim, ...env })
    } catch (e) {
      return (e as ConfigError).problems
    }
    return []
  }

  it('reads the sentinels and the master name, the port defaulting to 26379', () => {
    const c = loadConfig({
      ...sim,
      REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381,sentinel-c',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_PASSWORD: 'primary-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    })
    expect(c.redis).toEqual({
      url: undefined,
      sentinel: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-b', port: 26380 },
          { host: '::1', port: 26381 },
          { host: 'sentinel-c', port: 26379 },
        ],
        name: 'mymaster',
        password: 'primary-secret',
        sentinelPassword: 'sentinel-secret',
      },
    })
    expect(Object.isFrozen(c.redis.sentinel?.sentinels[0])).toBe(true)
  })

  it('has no sentinel without REDIS_SENTINELS: REDIS_URL, or a local Redis, as before', () => {
    expect(loadConfig(sim).redis).toEqual({ url: undefined, sentinel: undefined })
    expect(loadConfig({ ...sim, REDIS_URL: 'redis://r:6379' }).redis).toEqual({
      url: 'redis://r:6379',
      sentinel: undefined,
    })
  })

  it('refuses REDIS_URL together with REDIS_SENTINELS, naming both', () => {
    expect(
      problemsOf({
        REDIS_URL: 'redis://r:6379',
        REDIS_SENTINELS: 's1:26379',
        REDIS_SENTINEL_NAME: 'mymaster',
      }),
    ).toEqual([expect.stringMatching(/^REDIS_URL, REDIS_SENTINELS: set one, not both/)])
  })

  it('wants the master name with the sentinels', () => {
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME: required with REDIS_SENTINELS.*mymaster/),
    ])
  })

  it('refuses a malformed sentinel list or master name', () => {
    for (const bad of ['s1:', 's1:0', 's1:70000', 's1:26379,,s2:26379', 'http://s1:26379', ' '])
      expect(problemsOf({ REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: 'mymaster' }), bad).toEqual([
        expect.stringMatching(/^REDIS_SENTINELS: must be host:port of each sentinel/),
      ])
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'my master' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME: must be the master name/),
    ])
  })

  it('refuses the sentinel settings and REDIS_PASSWORD without sentinels, saying what to do', () => {
    expect(
      problemsOf({
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'x',
        REDIS_PASSWORD: 'y',
      }),
    ).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME: used only with REDIS_SENTINELS/),
      expect.stringMatching(/^REDIS_SENTINEL_PASSWORD: used only with REDIS_SENTINELS/),
      expect.stringMatching(/^REDIS_PASSWORD: .*put the password in REDIS_URL/),
    ])
  })
})

describe('roles and metrics', () => {
  it('runs every part in one process by default, and takes web or worker', () => {
    expect(loadConfig({ TWILIO_MODE: 'simulator' }).role).toBe('all')
    for (const role of ['web', 'worker', 'all'] as const)
      expect(
        loadConfig({ SHOUWEN_ROLE: role, TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN }).role,
      ).toBe(role)
  })

  it('stops on any other role, listing the allowed ones', () => {
    try {
      loadConfig({ SHOUWEN_ROLE: 'bogus', TWILIO_MODE: 'simulator' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).problems).toEqual([
        'SHOUWEN_ROLE: must be one of web, worker or all',
      ])
    }
  })

  it('refuses a split role with the in-process simulator, naming the way out', () => {
    for (const role of ['web', 'worker'])
      expect(() => loadConfig({ SHOUWEN_ROLE: role, TWILIO_MODE: 'simulator' })).toThrow(
        new RegExp(`SHOUWEN_ROLE: ${role} needs the real Twilio account.*SHOUWEN_ROLE=all`),
      )
  })

  it('takes a metrics token of at least 16 characters, none by default', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    expect(loadConfig(sim).metrics.token).toBeUndefined()
    expect(loadConfig({ ...sim, METRICS_TOKEN: 'p'.repeat(16) }).metrics.token).toBe('p'.repeat(16))
    expect(() => loadConfig({ ...sim, METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    )
  })

  it('keeps status receipts 30 days and call legs for ever by default; refuses too short a time', () => {
    const sim = { TWILIO_MODE: 'simulator' }
    expect(loadConfig(sim).retention).toEqual({
      callLegsDays: 0,
      webhookReceiptsDays: 30,
      recordingsDays: 0,
    })
    expect(
      loadConfig({
        ...sim,
        RETENTION_CALL_LEGS_DAYS: '180',
        RETENTION_WEBHOOK_RECEIPTS_DAYS: '0',
        RECORDING_RETENTION_DAYS: '365',
      }).retention,
    ).toEqual({ callLegsDays: 180, webhookReceiptsDays: 0, recordingsDays: 365 })
    expect(() => loadConfig({ ...sim, RETENTION_CALL_LEGS_DAYS: '3' })).toThrow(
      /RETENTION_CALL_LEGS_DAYS: must be 0 \(keep for ever\) or at least 7 days/,
    )
    expect(() => loadConfig({ ...sim, RETENTION_WEBHOOK_RECEIPTS_DAYS: '1' })).toThrow(
      /RETENTION_WEBHOOK_RECEIPTS_DAYS/,
    )
    expect(() => loadConfig({ ...sim, RETENTION_WEBHOOK_RECEIPTS_DAYS: '-1' })).toThrow(
      /RETENTION_WEBHOOK_RECEIPTS_DAYS/,
    )
  })

  it('takes the softphone API key as a pair, the TwiML App by its SID, and neither in simulator mode', () => {
    const live = {
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
    }
    const key = { TWILIO_API_KEY_SID: `SK${'b'.repeat(32)}`, TWILIO_API_KEY_SECRET: 's'.repeat(32) }
    const app = `AP${'c'.repeat(32)}`
    const c = loadConfig({ ...live, ...key, TWILIO_TWIML_APP_SID: app })
    expect(c.twilio.mode === 'live' && c.twilio.apiKey).toEqual({
      sid: key.TWILIO_API_KEY_SID,
      secret: key.TWILIO_API_KEY_SECRET,
    })
    expect(c.twilio.mode === 'live' && c.twilio.twimlAppSid).toBe(app)
    expect(c.voiceTokenTtlSeconds).toBe(3600)
    expect(() => loadConfig({ ...live, TWILIO_API_KEY_SID: key.TWILIO_API_KEY_SID })).toThrow(
      /TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET: set both/,
    )
    expect(() => loadConfig({ ...live, TWILIO_TWIML_APP_SID: 'AP123' })).toThrow(
      /TWILIO_TWIML_APP_SID: must look like AP/,
    )
    expect(() => loadConfig({ TWILIO_MODE: 'simulator', ...key })).toThrow(
      /the simulator does not use them/,
    )
    expect(() => loadConfig({ ...live, VOICE_TOKEN_TTL_SECONDS: '60' })).toThrow(
      /VOICE_TOKEN_TTL_SECONDS/,
    )
  })
})
