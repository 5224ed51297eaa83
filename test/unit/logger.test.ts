import { Writable } from 'node:stream'

import { describe, expect, it } from 'vitest'

import { createLogger, maskPhone } from '../../src/logger.ts'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString())
      cb()
    },
  })
  return { lines, logger: createLogger({ level: 'info', destination }) }
}

describe('the logger', () => {
  it('redacts phone numbers, tokens, passwords and the Twilio signature', () => {
    const { lines, logger } = capture()
    logger.info(
      {
        body: { From: '+8613800001111', To: '+8657112345', Caller: '+8613800001111' },
        req: { headers: { 'x-twilio-signature': 'abc=', authorization: 'Bearer sw_s_secret' } },
        password: 'hunter2',
        token: 'sw_a_secret',
        phoneNumber: '+8613800001111',
      },
      'webhook',
    )
    const out = lines.join('')
    for (const secret of [
      '+8613800001111',
      '+8657112345',
      'abc=',
      'sw_s_secret',
      'hunter2',
      'sw_a_secret',
    ]) {
      expect(out).not.toContain(secret)
    }
    expect(out).toContain('[redacted]')
  })

  it('masks a phone number down to its last four digits', () => {
    expect(maskPhone('+8613800001111')).toBe('***1111')
    expect(maskPhone(null)).toBe('')
  })
})
