import { describe, expect, it } from 'vitest'

import { loadConfig } from '../../src/config.ts'

// Real credentials' shape, so the test does not depend on how the simulator is chosen.
const TWILIO = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x'.repeat(32) }

describe('login, token and stream limits in the configuration', () => {
  it('has defaults: 5 per job number, 50 per address, 15 min lock, 90-day tokens', () => {
    const c = loadConfig(TWILIO)
    expect(c.auth).toEqual({
      maxFailuresPerAccount: 5,
      maxFailuresPerAddress: 50,
      blockSeconds: 900,
      apiTokenTtlDays: 90,
    })
    expect(c.stream).toEqual({ recheckSeconds: 15, maxPerAgent: 5 })
  })

  it('names each bad limit', () => {
    const bad = {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '0',
      LOGIN_MAX_FAILURES_PER_ADDRESS: 'many',
      LOGIN_BLOCK_SECONDS: '-1',
      API_TOKEN_TTL_DAYS: '0',
      STREAM_RECHECK_SECONDS: '0.5',
      STREAM_MAX_PER_AGENT: '0',
    }
    const problem = (() => {
      try {
        loadConfig({ ...TWILIO, ...bad })
        return ''
      } catch (e) {
        return (e as Error).message
      }
    })()
    for (const name of Object.keys(bad)) expect(problem).toContain(name)
  })
})
