import { describe, expect, it } from 'vitest'

import {
  applicationName,
  changesBetween,
  unreachableBaseUrl,
  updateParams,
} from '../../src/telephony/setup/settings.ts'

describe('twilio:setup settings', () => {
  it('accepts only a public https base URL', () => {
    expect(unreachableBaseUrl('PUBLIC_BASE_URL', 'https://hotline.example.org')).toBeUndefined()
    expect(unreachableBaseUrl('PUBLIC_BASE_URL', 'https://8.8.4.4:8443')).toBeUndefined()
    expect(unreachableBaseUrl('PUBLIC_BASE_URL', 'https://203.0.113.9')).toMatch(/not a public/)
    expect(unreachableBaseUrl('PUBLIC_BASE_URL', 'http://hotline.example.org')).toMatch(/not https/)
    for (const local of [
      'https://localhost:3000',
      'https://127.0.0.1',
      'https://[::1]:8443',
      'https://10.1.2.3',
      'https://192.168.0.10',
      'https://hotline',
      'https://shouwen.local',
    ]) {
      expect(unreachableBaseUrl('PUBLIC_BASE_URL', local), local).toMatch(/not a public address/)
    }
    expect(unreachableBaseUrl('--fallback-url', 'nonsense')).toBe(
      '--fallback-url: nonsense is not a URL',
    )
  })

  it("names only the fields that differ, Twilio's null and empty both meaning unset", () => {
    const current = { voiceUrl: null, voiceMethod: 'GET', smsUrl: '', voiceApplicationSid: '' }
    const wanted = {
      voiceUrl: 'https://h.example.org/voice/incoming',
      voiceMethod: 'POST',
      smsUrl: '',
      voiceApplicationSid: '',
    }
    const changes = changesBetween(current, wanted)
    expect(changes).toEqual([
      { field: 'VoiceUrl', from: '', to: 'https://h.example.org/voice/incoming' },
      { field: 'VoiceMethod', from: 'GET', to: 'POST' },
    ])
    expect(updateParams(changes)).toEqual({
      voiceUrl: 'https://h.example.org/voice/incoming',
      voiceMethod: 'POST',
    })
    expect(changesBetween(wanted, wanted)).toEqual([])
  })

  it('names the TwiML App after the deployment, within 64 characters', () => {
    expect(applicationName('https://hotline.example.org')).toBe(
      'Shouwen softphone (hotline.example.org)',
    )
    expect(applicationName(`https://${'a'.repeat(80)}.example.org`)).toHaveLength(64)
  })
})
