import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from '../../src/config.ts'

describe('loadConfig', () => {
  it('runs on embedded defaults with the simulator when nothing is set', () => {
    const c = loadConfig({})
    expect(c.twilio.mode).toBe('simulator')
    expect(c.http.publicBaseUrl).toBe('http://localhost:3000')
    expect(c.db.url).toBeUndefined()
    expect(c.timeZone).toBe('Asia/Shanghai')
    expect(Object.isFrozen(c.voice)).toBe(true)
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
    const live = loadConfig({
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      PUBLIC_BASE_URL: 'https://hotline.example.org/',
    })
    expect(live.twilio.mode).toBe('live')
    expect(live.http.publicBaseUrl).toBe('https://hotline.example.org')
  })

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '' }).http.port).toBe(3000)
  })
})
