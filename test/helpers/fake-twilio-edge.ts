import { randomBytes } from 'node:crypto'

import type { MediaRequest, MediaResponse } from '../../src/telephony/recording-media.ts'
import type { EdgeHttpClient } from '../../src/telephony/telephony.ts'
import { createFakeTwilioAccount, type FakeTwilioAccount } from './fake-twilio-account.ts'
import { checkTwilioRequest, type FormValues, successExample } from './twilio-spec.ts'

/**
 * Twilio faked at its HTTP edge: hand `httpClient` to `createTwilioTelephony`, and the official
 * client builds and sends its real requests here. Each one is checked against Twilio's API
 * description; a request Twilio would reject gets a Twilio-shaped 400 and is kept for
 * `assertAllValid()`, which tests call in afterEach.
 */

export interface FakeTwilioResponse {
  statusCode: number
  body: unknown
}
/** `'timeout'` rejects the way the client's axios does when Twilio does not answer in time. */
export type FakeTwilioAnswer = FakeTwilioResponse | 'timeout'

export interface RecordedRequest {
  /** Upper-case, e.g. `POST`. */
  method: string
  uri: string
  operationId: string | undefined
  pathTemplate: string | undefined
  pathParams: Record<string, string>
  /** The form body as Twilio parses it; array-typed parameters (StatusCallbackEvent) are arrays. */
  data: FormValues
  query: FormValues
  at: Date
  /** Why Twilio would reject the request; empty when it is valid. */
  problems: string[]
  /** Set once the fake has answered. */
  answer?: FakeTwilioAnswer
  /** A recording's media URL (`.mp3`/`.wav`), checked as the Recording resource it is. */
  media?: { format: string; range: string | undefined }
}

/** Return undefined to fall back to the default answer. */
export type FakeTwilioHandler = (
  request: RecordedRequest,
) => FakeTwilioAnswer | undefined | Promise<FakeTwilioAnswer | undefined>

export interface FakeTwilioEdge {
  httpClient: EdgeHttpClient
  requests: RecordedRequest[]
  /** TwiML Apps, phone numbers and API keys, with state (`npm run twilio:setup`'s resources). */
  account: FakeTwilioAccount
  /** The next `n` valid requests get this answer (invalid ones always get the 400). */
  failNext(n: number, answer: FakeTwilioAnswer): void
  respondWith(handler: FakeTwilioHandler | undefined): void
  assertAllValid(): void
  /** Forgets requests, queued failures, the handler and the calls it created. */
  reset(): void
}

type EdgeRequest = Parameters<EdgeHttpClient['request']>[0]
type Resource = Record<string, unknown>

export function createFakeTwilioEdge(
  opts: { clock?: { now(): Date }; newSid?: (prefix: string) => string } = {},
): FakeTwilioEdge {
  const clock = opts.clock ?? { now: () => new Date() }
  const newSid = opts.newSid ?? ((prefix) => prefix + randomBytes(16).toString('hex'))
  const requests: RecordedRequest[] = []
  const failures: FakeTwilioAnswer[] = []
  const calls = new Map<string, Resource>()
  const conferences = new Map<string, string>()
  const accountResources = createFakeTwilioAccount(newSid)
  let handler: FakeTwilioHandler | undefined

  async function request(opts: EdgeRequest) {
    const check = checkTwilioRequest(opts)
    const problems = [...(check.ok ? [] : check.problems), ...credentialProblems(opts)]
    const recorded: RecordedRequest = {
      method: opts.method.toUpperCase(),
      uri: opts.uri,
      operationId: check.operationId,
      pathTemplate: check.pathTemplate,
      pathParams: check.pathParams ?? {},
      data: check.data,
      query: check.query,
      at: clock.now(),
      problems,
    }
    requests.push(recorded)
    const answer =
      problems.length > 0
        ? rejection(problems)
        : (failures.shift() ?? (await handler?.(recorded)) ?? defaultAnswer(recorded))
    recorded.answer = answer
    if (answer === 'timeout') {
      const limit = opts.timeout === undefined ? '' : ` of ${opts.timeout}ms`
      throw Object.assign(new Error(`timeout${limit} exceeded`), { code: 'ECONNABORTED' })
    }
    return { ...answer, headers: { 'content-type': 'application/json' } }
  }

  function defaultAnswer(req: RecordedRequest): FakeTwilioResponse {
    const now = rfc2822(clock.now())
    const { AccountSid: account = '', Sid: sid = '', CallSid: callSid = '' } = req.pathParams
    const form = (name: string) => {
      const v = req.data[name]
      return Array.isArray(v) ? v[0] : v
    }
    const conferenceSid = (nameOrSid: string) => {
      if (/^CF[0-9a-fA-F]{32}$/.test(nameOrSid)) return nameOrSid
      const known = conferences.get(nameOrSid) ?? newSid('CF')
      conferences.set(nameOrSid, known)
      return known
    }
    const times = { date_created: now, date_updated: now }
    const accountAnswer = accountResources.answer(req, now)
    if (accountAnswer) return accountAnswer
    switch (req.operationId) {
      case 'CreateCall': {
        const to = form('To') ?? null
        const from = form('From') ?? null
        const call = fromExample(
          'CreateCall',
          { AC: account, CA: newSid('CA') },
          {
            ...times,
            to,
            from,
            to_formatted: to,
            from_formatted: from,
            direction: 'outbound-api',
            status: 'queued',
            start_time: null,
            end_time: null,
            duration: null,
            price: null,
            answered_by: null,
            forwarded_from: null,
            caller_name: null,
            queue_time: '0',
          },
        )
        calls.set(String(call.body.sid), { ...call.body })
        return call
      }
      case 'FetchCall':
      case 'UpdateCall': {
        // Copies, so a recorded answer keeps the state it was sent with.
        const call = { ...(calls.get(sid) ?? liveCall(account, sid, now)) }
        const status = form('Status')
        if (req.operationId === 'UpdateCall') {
          Object.assign(call, { date_updated: now }, status && { status, end_time: now })
          calls.set(sid, { ...call })
        }
        return { statusCode: 200, body: call }
      }
      case 'CreateMessage': {
        const service = form('MessagingServiceSid') ?? null
        return fromExample(
          'CreateMessage',
          { AC: account, SM: newSid('SM') },
          {
            ...times,
            to: form('To'),
            from: form('From') ?? null,
            body: form('Body') ?? '',
            messaging_service_sid: service,
            status: service ? 'accepted' : 'queued',
            date_sent: null,
            price: null,
            error_code: null,
            error_message: null,
          },
        )
      }
      case 'CreateParticipant':
      case 'FetchParticipant':
      case 'UpdateParticipant': {
        const create = req.operationId === 'CreateParticipant'
        const CF = conferenceSid(req.pathParams.ConferenceSid ?? '')
        const CA = create ? newSid('CA') : callSid
        return fromExample(
          req.operationId,
          { AC: account, CF, CA },
          {
            ...times,
            status: create ? 'queued' : 'connected',
            label: form('Label') ?? null,
            ...(form('Muted') && { muted: form('Muted') === 'true' }),
            ...(form('Hold') && { hold: form('Hold') === 'true' }),
          },
        )
      }
      case 'FetchConference':
      case 'UpdateConference':
        return fromExample(
          req.operationId,
          { AC: account, CF: conferenceSid(sid) },
          {
            ...times,
            status: form('Status') ?? 'in-progress',
            reason_conference_ended: null,
            call_sid_ending_conference: null,
          },
        )
      default: {
        // Any other operation answers with the spec's own example, carrying the path's SIDs.
        const sids = Object.fromEntries(
          Object.values(req.pathParams)
            .filter((v) => /^[A-Z]{2}[0-9a-fA-F]{32}$/.test(v))
            .map((v) => [v.slice(0, 2), v]),
        )
        const example = successExample(req.operationId ?? '')
        if (typeof example?.body !== 'object') return example ?? { statusCode: 200, body: {} }
        const answer = fromExample(req.operationId ?? '', sids, {})
        if (req.operationId?.startsWith('List')) {
          // An empty last page: the example's next_page_uri would have the client page forever.
          for (const [key, value] of Object.entries(answer.body)) {
            if (Array.isArray(value)) answer.body[key] = []
          }
          Object.assign(answer.body, { next_page_uri: null, previous_page_uri: null })
        }
        return answer
      }
    }
  }

  /**
   * A recording's media URL: Twilio documents it as the Recording resource's URI with `.mp3` or
   * `.wav` for `.json`, so it is checked as that resource's fetch (FetchRecording). The default
   * answer is a few bytes of "MP3"; a handler may answer otherwise (a 404, say).
   */
  async function media(opts: MediaRequest): Promise<MediaResponse> {
    const format = /\.(mp3|wav)$/.exec(opts.uri)?.[1]
    const asJson = format ? opts.uri.replace(/\.(mp3|wav)$/, '.json') : opts.uri
    const check = checkTwilioRequest({ method: 'GET', uri: asJson })
    const problems = [...(check.ok ? [] : check.problems), ...credentialProblems(opts)]
    if (!format) problems.push(`${opts.uri} is not a recording's media URL (.mp3 or .wav)`)
    const recorded: RecordedRequest = {
      method: 'GET',
      uri: opts.uri,
      operationId: check.operationId,
      pathTemplate: check.pathTemplate,
      pathParams: check.pathParams ?? {},
      data: {},
      query: check.query,
      at: clock.now(),
      problems,
      media: { format: format ?? '', range: opts.range },
    }
    requests.push(recorded)
    const answer =
      problems.length > 0
        ? rejection(problems)
        : (failures.shift() ?? (await handler?.(recorded)) ?? { statusCode: 200, body: FAKE_MP3 })
    recorded.answer = answer
    if (answer === 'timeout') throw Object.assign(new Error('timeout'), { code: 'ECONNABORTED' })
    const bytes =
      answer.body instanceof Uint8Array
        ? answer.body
        : new TextEncoder().encode(JSON.stringify(answer.body))
    return {
      statusCode: answer.statusCode,
      contentType:
        answer.body instanceof Uint8Array
          ? `audio/${format === 'wav' ? 'wav' : 'mpeg'}`
          : 'application/json',
      contentLength: String(bytes.length),
      contentRange: null,
      body: new Blob([bytes]).stream(),
    }
  }

  return {
    httpClient: { request, media },
    requests,
    account: accountResources,
    failNext(n, answer) {
      for (let i = 0; i < n; i++) failures.push(answer)
    },
    respondWith(next) {
      handler = next
    },
    assertAllValid() {
      const invalid = requests.filter((r) => r.problems.length > 0)
      if (invalid.length === 0) return
      const lines = invalid.map(
        (r) =>
          `  ${r.method} ${r.uri}${r.operationId ? ` (${r.operationId})` : ''}\n` +
          r.problems.map((p) => `    - ${p}`).join('\n'),
      )
      throw new Error(
        `Twilio would reject ${invalid.length} request(s) sent to the fake edge ` +
          `(checked against twilio_api_v2010.json):\n${lines.join('\n')}`,
      )
    },
    reset() {
      requests.length = 0
      failures.length = 0
      calls.clear()
      conferences.clear()
      accountResources.clear()
      handler = undefined
    },
  }
}

/** What the fake serves as a recording's audio: an ID3 header and silence. */
export const FAKE_MP3 = new Uint8Array([
  0x49,
  0x44,
  0x33,
  0x04,
  0,
  0,
  0,
  0,
  0,
  0,
  ...new Array<number>(64).fill(0),
])

function credentialProblems(opts: { username?: string; password?: string }): string[] {
  if (!opts.username || !opts.password) {
    return ['no credentials: Twilio requires HTTP basic auth (Account SID or API key, and secret)']
  }
  if (!/^(AC|SK)[0-9a-fA-F]{32}$/.test(opts.username)) {
    return [`basic-auth username ${JSON.stringify(opts.username)} is not an Account SID or API key`]
  }
  return []
}

function rejection(problems: string[]): FakeTwilioResponse {
  const message = `Invalid request (fake Twilio edge): ${problems.join('; ')}`
  const more_info = 'https://www.twilio.com/docs/errors/20001'
  return { statusCode: 400, body: { code: 20001, message, more_info, status: 400 } }
}

/** The spec's example response with its placeholder SIDs (`CAaaaa…`) swapped for real ones. */
function fromExample(operationId: string, sids: Record<string, string>, fields: Resource) {
  const example = successExample(operationId) ?? { statusCode: 200, body: {} }
  let text = JSON.stringify(example.body)
  for (const [prefix, sid] of Object.entries(sids)) {
    if (sid) text = text.replaceAll(prefix + 'a'.repeat(32), sid)
  }
  return { statusCode: example.statusCode, body: { ...(JSON.parse(text) as Resource), ...fields } }
}

/** A call the fake did not create (an inbound leg, say): live, as far as the fake knows. */
function liveCall(account: string, sid: string, now: string): Resource {
  const fields = { status: 'in-progress', direction: 'inbound', date_updated: now, end_time: null }
  return fromExample('FetchCall', { AC: account, CA: sid }, fields).body
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000')
}
