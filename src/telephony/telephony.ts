import twilio from 'twilio'

import type { MediaFetch, MediaFormat, MediaResponse } from './recording-media.ts'
import { fetchMedia, recordingMediaUri } from './recording-media.ts'

/**
 * The Twilio REST port. The service reaches Twilio only through the official client; what
 * differs between production, the local simulator and tests is the client's HTTP edge
 * (`httpClient`), so the same request-building code runs everywhere.
 */

export type CallStatusEvent = 'initiated' | 'ringing' | 'answered' | 'completed'

export interface CreateCallParams {
  to: string
  from: string
  /** Webhook that returns the TwiML for the answered leg. */
  url: string
  statusCallback: string
  statusCallbackEvent: CallStatusEvent[]
  /** Seconds to let it ring before Twilio gives up with no-answer. */
  timeoutSeconds: number
  /** Answering-machine detection: the answer webhook then carries `AnsweredBy`. */
  machineDetection?: 'Enable'
  /** Record the call from its answer; Twilio posts the recording's status to this URL. */
  recordingStatusCallback?: string
}

export interface SendSmsParams {
  to: string
  from: string
  body: string
  statusCallback?: string
}

export interface Telephony {
  readonly mode: 'live' | 'simulator'
  createCall(p: CreateCallParams): Promise<{ callSid: string }>
  /** Takes a live call to new TwiML (Twilio fetches `url`). */
  redirectCall(callSid: string, url: string): Promise<void>
  /** `canceled` stops a ringing leg; `completed` hangs up an answered one. */
  endCall(callSid: string, status: 'canceled' | 'completed'): Promise<void>
  sendSms(p: SendSmsParams): Promise<{ messageSid: string }>
  /** Changes one participant of a live conference (hold, its music, announcements, flags). */
  updateParticipant(conferenceSid: string, callSid: string, p: ParticipantUpdate): Promise<void>
  /** Ends a conference for everyone in it. */
  endConference(conferenceSid: string): Promise<void>
  /**
   * Twilio's own view of a call, asked when its status callbacks stopped arriving. Null when
   * Twilio does not know the call (404, error 20404); any other failure throws.
   */
  fetchCall(callSid: string): Promise<FetchedCall | null>
  /**
   * A recording's audio as Twilio serves it (200, or 206 for a Range), with the account's
   * credentials; null when Twilio does not have it (404).
   */
  fetchRecordingAudio(recordingSid: string, o?: { range?: string }): Promise<MediaResponse | null>
  /** Deletes a recording at Twilio; one Twilio no longer has counts as deleted. */
  deleteRecording(recordingSid: string): Promise<'deleted' | 'not_found'>
}

export interface FetchedCall {
  /** Twilio's status as it reports it (queued, ringing, in-progress, completed, busy, ...). */
  status: string
  /** Seconds, once the call has ended; null before. */
  durationSeconds: number | null
  endTime: Date | null
}

export interface ParticipantUpdate {
  hold?: boolean
  holdUrl?: string
  /**
   * Twilio ignores this for a participant on hold: set it before holding, or after unholding,
   * in a request of its own.
   */
  endConferenceOnExit?: boolean
  /** TwiML (Say/Play) spoken to this participant only. */
  announceUrl?: string
}

/** The subset of twilio's RequestClient that the client calls: the HTTP edge. */
export interface EdgeHttpClient {
  request(opts: {
    method: string
    uri: string
    username?: string
    password?: string
    headers?: Record<string, string>
    params?: object
    data?: object
    timeout?: number
  }): Promise<{ statusCode: number; body: unknown; headers: unknown }>
  /** Binary GETs (recording media); without it, Node's fetch to api.twilio.com. */
  media?: MediaFetch
}

// A hung Twilio request must not hold a worker forever.
const DEFAULT_TIMEOUT_MS = 10_000

/**
 * The official client's own HTTP edge to api.twilio.com, made here rather than inside the client
 * so it can be wrapped (metrics) like the simulator's and the tests' edges.
 */
export function twilioRequestClient(timeoutMs = DEFAULT_TIMEOUT_MS): EdgeHttpClient {
  return new twilio.RequestClient({ timeout: timeoutMs })
}

export function createTwilioTelephony(opts: {
  mode: 'live' | 'simulator'
  accountSid: string
  authToken: string
  httpClient?: EdgeHttpClient
  /** A hung Twilio request must not hold a worker forever. */
  timeoutMs?: number
}): Telephony {
  const media = opts.httpClient?.media ?? fetchMedia
  // The simulator generates WAV; from Twilio the smaller MP3 is what a browser plays anyway.
  const format: MediaFormat = opts.mode === 'simulator' ? 'wav' : 'mp3'
  const client = twilio(opts.accountSid, opts.authToken, {
    // The cast is where our narrow edge type meets twilio's class type; both have `request`.
    httpClient: opts.httpClient as never,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  })
  return {
    mode: opts.mode,
    async createCall(p) {
      const call = await client.calls.create({
        to: p.to,
        from: p.from,
        url: p.url,
        method: 'POST',
        statusCallback: p.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: p.statusCallbackEvent,
        timeout: p.timeoutSeconds,
        ...(p.machineDetection ? { machineDetection: p.machineDetection } : {}),
        ...(p.recordingStatusCallback && {
          record: true,
          recordingStatusCallback: p.recordingStatusCallback,
          recordingStatusCallbackMethod: 'POST',
          recordingStatusCallbackEvent: ['completed', 'absent'],
        }),
      })
      return { callSid: call.sid }
    },
    async sendSms(p) {
      const m = await client.messages.create({
        to: p.to,
        from: p.from,
        body: p.body,
        ...(p.statusCallback ? { statusCallback: p.statusCallback } : {}),
      })
      return { messageSid: m.sid }
    },
    async redirectCall(callSid, url) {
      await client.calls(callSid).update({ url, method: 'POST' })
    },
    async endCall(callSid, status) {
      await client.calls(callSid).update({ status })
    },
    async updateParticipant(conferenceSid, callSid, p) {
      await client
        .conferences(conferenceSid)
        .participants(callSid)
        .update({
          ...(p.hold !== undefined && { hold: p.hold }),
          ...(p.holdUrl !== undefined && { holdUrl: p.holdUrl, holdMethod: 'POST' }),
          ...(p.endConferenceOnExit !== undefined && {
            endConferenceOnExit: p.endConferenceOnExit,
          }),
          ...(p.announceUrl !== undefined && {
            announceUrl: p.announceUrl,
            announceMethod: 'POST',
          }),
        })
    },
    async endConference(conferenceSid) {
      await client.conferences(conferenceSid).update({ status: 'completed' })
    },
    async fetchCall(callSid) {
      try {
        const call = await client.calls(callSid).fetch()
        const duration = call.duration ? Number.parseInt(call.duration, 10) : Number.NaN
        return {
          status: call.status,
          durationSeconds: Number.isFinite(duration) ? duration : null,
          endTime: call.endTime ?? null,
        }
      } catch (e) {
        if ((e as { status?: unknown }).status === 404) return null
        throw e
      }
    },
    async fetchRecordingAudio(recordingSid, o = {}) {
      const res = await media({
        uri: recordingMediaUri(opts.accountSid, recordingSid, format),
        username: opts.accountSid,
        password: opts.authToken,
        ...(o.range ? { range: o.range } : {}),
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      })
      if (res.statusCode === 404) {
        await res.body?.cancel()
        return null
      }
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        await res.body?.cancel()
        throw Object.assign(new Error(`Twilio answered ${res.statusCode} for recording media`), {
          status: res.statusCode,
        })
      }
      return res
    },
    async deleteRecording(recordingSid) {
      try {
        await client.recordings(recordingSid).remove()
        return 'deleted'
      } catch (e) {
        if ((e as { status?: unknown }).status === 404) return 'not_found'
        throw e
      }
    },
  }
}
