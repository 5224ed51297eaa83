import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, ZH_HOTLINE } from '../helpers/harness.ts'
import { parseTwiml, verbs } from '../helpers/twiml.ts'

async function counts(h: Harness) {
  const n = async (t: 'calls' | 'callers' | 'cases' | 'case_events' | 'status_receipts') =>
    Number(
      (
        await h.ctx.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return {
    calls: await n('calls'),
    callers: await n('callers'),
    cases: await n('cases'),
    events: await n('case_events'),
    receipts: await n('status_receipts'),
  }
}

describe('webhook input that must change nothing', () => {
  let h: Harness
  beforeAll(async () => {
    h = await createHarness()
  })
  afterAll(async () => {
    await h.close()
  })

  const params = () => ({ CallSid: callSid(), From: '+8613911112222', To: ZH_HOTLINE })

  it('answers 403 to an unsigned webhook', async () => {
    const before = await counts(h)
    const res = await h.twilioPost('/voice/incoming', params(), { signature: null })
    expect(res.status).toBe(403)
    expect(await counts(h)).toEqual(before)
  })

  it('answers 403 when a signed parameter was tampered with', async () => {
    const before = await counts(h)
    const p = params()
    const good = await import('twilio').then((t) =>
      t.default.getExpectedTwilioSignature(
        h.config.twilio.authToken,
        `${h.config.http.publicBaseUrl}/voice/incoming`,
        p,
      ),
    )
    const res = await h.twilioPost(
      '/voice/incoming',
      { ...p, From: '+8613999999999' },
      { signature: good },
    )
    expect(res.status).toBe(403)
    expect(await counts(h)).toEqual(before)
  })

  it('answers 403 to a signature made for another URL or with another token', async () => {
    const p = params()
    const t = (await import('twilio')).default
    const otherUrl = t.getExpectedTwilioSignature(
      h.config.twilio.authToken,
      'https://evil.example/voice/incoming',
      p,
    )
    const otherToken = t.getExpectedTwilioSignature(
      'not-the-token-0123456789',
      `${h.config.http.publicBaseUrl}/voice/incoming`,
      p,
    )
    expect((await h.twilioPost('/voice/incoming', p, { signature: otherUrl })).status).toBe(403)
    expect((await h.twilioPost('/voice/incoming', p, { signature: otherToken })).status).toBe(403)
    expect(
      (
        await h.twilioPost(
          '/voice/status',
          { CallSid: p.CallSid, CallStatus: 'completed' },
          { signature: null },
        )
      ).status,
    ).toBe(403)
  })

  it('accepts a signature Twilio made for the URL with its default port written out', async () => {
    // The one-HMAC check covers the URL as configured; this form goes on to the library's check.
    const p = params()
    const t = (await import('twilio')).default
    const base = new URL(h.config.http.publicBaseUrl)
    const port = base.protocol === 'https:' ? 443 : 80
    const signature = t.getExpectedTwilioSignature(
      h.config.twilio.authToken,
      `${base.protocol}//${base.hostname}:${port}${base.pathname.replace(/\/$/, '')}/voice/incoming`,
      p,
    )
    const res = await h.twilioPost('/voice/incoming', p, { signature })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8')
    expect(verbs(parseTwiml(res.text))).toContain('Gather')
  })

  it('answers malformed parameters with polite fallback TwiML and changes nothing', async () => {
    const before = await counts(h)
    for (const bad of [
      { CallSid: 'not-a-sid', From: '+8613911112222', To: ZH_HOTLINE },
      { CallSid: callSid(), To: ZH_HOTLINE } as Record<string, string>,
      { CallSid: callSid(), From: '', To: ZH_HOTLINE },
    ]) {
      const res = await h.twilioPost('/voice/incoming', bad)
      expect(res.status).toBe(200)
      expect(res.headers['x-shouwen-error']).toBe('malformed parameters')
      expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup'])
    }
    const menu = await h.twilioPost('/voice/menu?step=category&lang=xx-XX&s=0&i=0', {
      CallSid: callSid(),
      Digits: '1',
    })
    expect(verbs(parseTwiml(menu.text))).toEqual(['Say', 'Hangup'])
    const digits = await h.twilioPost('/voice/menu?step=category&lang=zh-CN&s=0&i=0', {
      CallSid: callSid(),
      Digits: '1; drop table',
    })
    expect(verbs(parseTwiml(digits.text))).toEqual(['Say', 'Hangup'])
    expect(await counts(h)).toEqual(before)
  })

  it('answers a call to an unknown hotline or an unknown call with TwiML, not an error page', async () => {
    const before = await counts(h)
    const unknownLine = await h.twilioPost('/voice/incoming', {
      CallSid: callSid(),
      From: '+8613911112222',
      To: '+8610000000',
    })
    expect(verbs(parseTwiml(unknownLine.text))).toEqual(['Say', 'Hangup'])
    const unknownCall = await h.twilioPost('/voice/menu?step=category&lang=zh-CN&s=0&i=0', {
      CallSid: callSid(),
      Digits: '1',
    })
    expect(unknownCall.status).toBe(200)
    expect(verbs(parseTwiml(unknownCall.text))).toEqual(['Say', 'Hangup'])
    const unknownOffer = await h.twilioPost(
      '/voice/agent/accept?offer=00000000-0000-4000-8000-000000000000',
      { CallSid: callSid(), Digits: '1' },
    )
    expect(verbs(parseTwiml(unknownOffer.text))).toEqual(['Say', 'Hangup'])
    expect(await counts(h)).toEqual(before)
  })

  it('rejects a malformed status callback with a 400 that names the problem', async () => {
    const before = await counts(h)
    const res = await h.twilioPost('/voice/status', {
      CallSid: callSid(),
      CallStatus: 'exploded',
      SequenceNumber: '1',
    })
    expect(res.status).toBe(400)
    expect(res.text).toContain('CallStatus')
    expect(await counts(h)).toEqual(before)
  })

  it('answers an unknown voice path or an oversized body with TwiML, not an error page', async () => {
    const unknown = await h.twilioPost('/voice/no-such-hook', { CallSid: callSid() })
    expect(unknown.status).toBe(404)
    expect(verbs(parseTwiml(unknown.text))).toEqual(['Say', 'Hangup'])
    const huge = await h.twilioPost('/voice/incoming', {
      ...params(),
      CallerName: 'x'.repeat(100_000),
    })
    expect(huge.status).toBe(413)
    expect(verbs(parseTwiml(huge.text))).toEqual(['Say', 'Hangup'])
  })
})
