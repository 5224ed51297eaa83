import { type Core, newSid, simSeconds, twilioDate } from './core.ts'
import type { HttpMethod } from './twiml.ts'
import type { SimCall } from './types.ts'
import { type CallbackChain, postCallback } from './webhooks.ts'

/**
 * Recording as Twilio does it for a conference (`record="record-from-start"`) or a REST call
 * (`Record=true`): when the recorded thing ends, a recording exists, its status callback is
 * posted (signed, like every simulator webhook), and its media is served at the REST edge. The
 * audio is generated (a quiet tone as long as the call, capped), so nothing is really recorded.
 */

export interface RecordingRequest {
  url: string
  method: HttpMethod
  events: ReadonlySet<string>
}

export const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'] as const

// Long enough to hear and seek in the console; short enough to keep the file small (~160 kB).
const MAX_AUDIO_SECONDS = 20
const SAMPLE_RATE = 8000

/** Called when a recorded conference or call ends: the recording now exists at "Twilio". */
export function finishRecording(
  core: Core,
  chain: CallbackChain,
  call: SimCall | undefined,
  o: {
    request: RecordingRequest
    startedAt: Date
    callSid: string | undefined
    conferenceSid: string | undefined
    source: 'Conference' | 'OutboundAPI' | 'DialVerb'
  },
): void {
  const sid = newSid('RE')
  const url = `https://api.twilio.com/2010-04-01/Accounts/${core.accountSid}/Recordings/${sid}`
  const durationSec = simSeconds(core, o.startedAt)
  core.recordings.push({
    sid,
    callSid: o.callSid ?? '',
    url,
    durationSec,
    transcript: '',
    ...(o.conferenceSid ? { conferenceSid: o.conferenceSid } : {}),
  })
  if (!o.request.events.has('completed') || core.lifetime.signal.aborted) return
  postCallback(core, chain, call, {
    url: o.request.url,
    method: o.request.method,
    params: {
      AccountSid: core.accountSid,
      ...(o.callSid ? { CallSid: o.callSid } : {}),
      ...(o.conferenceSid ? { ConferenceSid: o.conferenceSid } : {}),
      RecordingSid: sid,
      RecordingUrl: url,
      RecordingStatus: 'completed',
      RecordingDuration: String(durationSec),
      RecordingChannels: '1',
      RecordingSource: o.source,
      RecordingStartTime: twilioDate(o.startedAt) ?? '',
    },
  })
}

/** A mono 8-bit WAV: a soft 440 Hz tone for the recording's length (at least 1 s, capped). */
export function recordingWav(durationSec: number): Buffer {
  const seconds = Math.min(MAX_AUDIO_SECONDS, Math.max(1, durationSec))
  const samples = seconds * SAMPLE_RATE
  const wav = Buffer.alloc(44 + samples)
  wav.write('RIFF', 0, 'ascii')
  wav.writeUInt32LE(36 + samples, 4)
  wav.write('WAVEfmt ', 8, 'ascii')
  wav.writeUInt32LE(16, 16) // fmt chunk size
  wav.writeUInt16LE(1, 20) // PCM
  wav.writeUInt16LE(1, 22) // mono
  wav.writeUInt32LE(SAMPLE_RATE, 24)
  wav.writeUInt32LE(SAMPLE_RATE, 28) // byte rate: 1 byte per sample
  wav.writeUInt16LE(1, 32) // block align
  wav.writeUInt16LE(8, 34) // bits per sample
  wav.write('data', 36, 'ascii')
  wav.writeUInt32LE(samples, 40)
  for (let i = 0; i < samples; i++) {
    wav[44 + i] = 128 + Math.round(12 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE))
  }
  return wav
}
