import type { EdgeHttpClient } from '../telephony.ts'
import { endCall } from './calls.ts'
import { endConference, findConference, leaveConference, updateParticipant } from './conference.ts'
import { type Core, emit, newSid } from './core.ts'
import { type DocSource, execute } from './interpreter.ts'
import { addParticipant, setAnswerSource, startOutboundCall } from './outbound.ts'
import * as f from './rest-form.ts'
import {
  callResource,
  conferenceResource,
  errorBody,
  messageResource,
  page,
  participantResource,
  RestError,
} from './rest-resources.ts'
import { parseTwiml, TwimlError } from './twiml.ts'
import type { SimConference } from './types.ts'
import { postCallback } from './webhooks.ts'

/**
 * The Twilio REST API as the official client calls it, served in-process: the simulator's
 * `httpClient`. Covers calls, messages, conferences and participants; anything else is a 404.
 */

type Reply = { status: number; body: unknown }
type Route = (core: Core, m: RegExpMatchArray, form: f.Form) => Reply

const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const
const CONF_EVENTS = [
  'start',
  'end',
  'join',
  'leave',
  'mute',
  'hold',
  'modify',
  'speaker',
  'announcement',
]

const notFound = (what: string) =>
  new RestError(404, 20404, `The requested resource ${what} was not found`)

const routes: [string, RegExp, Route][] = [
  ['post', /^\/Calls\.json$/, createCall],
  [
    'get',
    /^\/Calls\/([^/]+)\.json$/,
    (core, m) => ({ status: 200, body: callResource(core, call(core, m)) }),
  ],
  ['post', /^\/Calls\/([^/]+)\.json$/, updateCall],
  ['post', /^\/Messages\.json$/, createMessage],
  ['get', /^\/Conferences\.json$/, listConferences],
  [
    'get',
    /^\/Conferences\/([^/]+)\.json$/,
    (core, m) => ({ status: 200, body: conferenceResource(core, conference(core, m)) }),
  ],
  ['post', /^\/Conferences\/([^/]+)\.json$/, updateConference],
  ['get', /^\/Conferences\/([^/]+)\/Participants\.json$/, listParticipants],
  ['post', /^\/Conferences\/([^/]+)\/Participants\.json$/, createParticipant],
  [
    'get',
    /^\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/,
    (core, m) => ({
      status: 200,
      body: participantResource(core, conference(core, m), participant(core, m)),
    }),
  ],
  ['post', /^\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/, updateParticipantRoute],
  ['delete', /^\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/, removeParticipant],
]

export function createRestEdge(core: Core): EdgeHttpClient {
  return {
    request(opts) {
      let reply: Reply
      try {
        reply = handle(core, opts)
      } catch (e) {
        if (!(e instanceof RestError)) throw e
        reply = { status: e.status, body: errorBody(e) }
      }
      const body = reply.status === 204 ? '' : JSON.stringify(reply.body)
      const headers = { 'content-type': 'application/json' }
      return Promise.resolve({ statusCode: reply.status, body, headers })
    },
  }
}

function handle(core: Core, opts: Parameters<EdgeHttpClient['request']>[0]): Reply {
  if (opts.username !== core.accountSid || opts.password !== core.authToken) {
    throw new RestError(401, 20003, 'Authenticate')
  }
  const path = new URL(opts.uri).pathname
  const prefix = `/2010-04-01/Accounts/${core.accountSid}`
  if (!path.startsWith(prefix + '/')) throw notFound(path)
  const rest = path.slice(prefix.length)
  const method = opts.method.toLowerCase()
  const form = { ...(opts.params as f.Form | undefined), ...(opts.data as f.Form | undefined) }
  for (const [routeMethod, re, route] of routes) {
    const m = rest.match(re)
    if (m && routeMethod === method) return route(core, m, form)
  }
  throw notFound(path)
}

function call(core: Core, m: RegExpMatchArray) {
  const found = core.calls.get(m[1] ?? '')
  if (!found) throw notFound(`Call ${m[1]}`)
  return found
}

function conference(core: Core, m: RegExpMatchArray): SimConference {
  const found = findConference(core, decodeURIComponent(m[1] ?? ''))
  if (!found) throw notFound(`Conference ${m[1]}`)
  return found
}

function participant(core: Core, m: RegExpMatchArray) {
  const conf = conference(core, m)
  const key = decodeURIComponent(m[2] ?? '')
  const found =
    conf.participants.get(key) ?? [...conf.participants.values()].find((p) => p.label === key)
  if (!found) throw notFound(`Participant ${key}`)
  return found
}

function docSource(form: f.Form, required: boolean): DocSource | undefined {
  const twiml = f.str(form, 'Twiml')
  if (twiml !== undefined) {
    try {
      return { kind: 'verbs', verbs: parseTwiml(twiml) }
    } catch (e) {
      if (e instanceof TwimlError) throw new RestError(400, e.code, `Invalid Twiml: ${e.message}`)
      throw e
    }
  }
  const url = f.url(form, 'Url')
  if (url) return { kind: 'fetch', url, method: f.method(form, 'Method', 'POST') }
  if (required) throw new RestError(400, 21205, 'Either Url or Twiml is required.')
  return undefined
}

function createCall(core: Core, _m: RegExpMatchArray, form: f.Form): Reply {
  const to = f.address(form, 'To', 21201, 21211)
  const from = f.address(form, 'From', 21213, 21212)
  const source = docSource(form, true) as DocSource
  const statusCallback = f.statusCallback(form, CALL_EVENTS)
  const timeoutSec = f.int(form, 'Timeout', 1, 600) ?? 60
  const created = startOutboundCall(core, { to, from, statusCallback, timeoutSec }, source)
  return { status: 201, body: callResource(core, created) }
}

function updateCall(core: Core, m: RegExpMatchArray, form: f.Form): Reply {
  const target = call(core, m)
  const status = f.str(form, 'Status')
  const source = docSource(form, false)
  if (status !== undefined) {
    if (status !== 'canceled' && status !== 'completed') {
      throw f.invalid('Status', 'must be canceled or completed')
    }
    const unanswered = target.status === 'queued' || target.status === 'ringing'
    if (unanswered) endCall(core, target, 'canceled')
    else if (status === 'completed') endCall(core, target, 'completed')
  } else if (source) {
    if (target.endedAt) {
      throw new RestError(400, 21220, 'Call is not in-progress. Cannot redirect.')
    }
    if (!setAnswerSource(target, source)) {
      const url = source.kind === 'fetch' ? source.url : '(Twiml)'
      const method = source.kind === 'fetch' ? source.method : 'POST'
      emit(core, { type: 'redirect', callSid: target.sid, url, method })
      execute(core, target, source)
    }
  }
  return { status: 200, body: callResource(core, target) }
}

function createMessage(core: Core, _m: RegExpMatchArray, form: f.Form): Reply {
  const to = f.address(form, 'To', 21604, 21211)
  const from = f.str(form, 'From') ?? f.required(form, 'MessagingServiceSid', 21603)
  const body = f.required(form, 'Body', 21602)
  const statusCallback = f.url(form, 'StatusCallback')
  const m = { sid: newSid('SM'), from, to, body, statusCallback, createdAt: new Date() }
  core.messages.push(m)
  emit(core, { type: 'sms', callSid: undefined, sid: m.sid, from, to, body })
  if (statusCallback) {
    const chain = { callbackChain: Promise.resolve() }
    for (const status of ['sent', 'delivered']) {
      const params = {
        AccountSid: core.accountSid,
        ApiVersion: '2010-04-01',
        From: from,
        To: to,
        MessageSid: m.sid,
        SmsSid: m.sid,
        MessageStatus: status,
        SmsStatus: status,
      }
      postCallback(core, chain, undefined, { url: statusCallback, method: 'POST', params })
    }
  }
  return { status: 201, body: messageResource(core, m) }
}

function listConferences(core: Core, _m: RegExpMatchArray, form: f.Form): Reply {
  const name = f.str(form, 'FriendlyName')
  const status = f.str(form, 'Status')
  const items = [...core.conferences.values()]
    .filter(
      (c) => (name === undefined || c.friendlyName === name) && (!status || c.status === status),
    )
    .map((c) => conferenceResource(core, c))
  const uri = `/2010-04-01/Accounts/${core.accountSid}/Conferences.json`
  return { status: 200, body: page(uri, 'conferences', items) }
}

function updateConference(core: Core, m: RegExpMatchArray, form: f.Form): Reply {
  const conf = conference(core, m)
  const status = f.str(form, 'Status')
  if (status !== undefined && status !== 'completed') throw f.invalid('Status', 'must be completed')
  if (status === 'completed') endConference(core, conf, 'conference-ended-via-api', undefined)
  return { status: 200, body: conferenceResource(core, conf) }
}

function listParticipants(core: Core, m: RegExpMatchArray): Reply {
  const conf = conference(core, m)
  const items = [...conf.participants.values()].map((p) => participantResource(core, conf, p))
  const uri = `/2010-04-01/Accounts/${core.accountSid}/Conferences/${conf.sid}/Participants.json`
  return { status: 200, body: page(uri, 'participants', items) }
}

function createParticipant(core: Core, m: RegExpMatchArray, form: f.Form): Reply {
  const key = decodeURIComponent(m[1] ?? '')
  if (/^CF[0-9a-f]{32}$/.test(key) && !findConference(core, key))
    throw notFound(`Conference ${key}`)
  const to = f.address(form, 'To', 21201, 21211)
  const from = f.address(form, 'From', 21213, 21212)
  const statusCallback = f.statusCallback(form, CALL_EVENTS)
  const confCallback = f.statusCallback(form, CONF_EVENTS, 'Conference')
  const timeoutSec = f.int(form, 'Timeout', 5, 600) ?? 60
  const label = f.str(form, 'Label')
  const start = f.bool(form, 'StartConferenceOnEnter') ?? true
  const end = f.bool(form, 'EndConferenceOnExit') ?? false
  const { call: created, conference: conf } = addParticipant(
    core,
    findConference(core, key)?.friendlyName ?? key,
    { to, from, statusCallback, timeoutSec },
    {
      startConferenceOnEnter: start,
      endConferenceOnExit: end,
      waitUrl: f.url(form, 'WaitUrl'),
      waitMethod: f.method(form, 'WaitMethod', 'POST'),
      beep: f.str(form, 'Beep') ?? 'true',
      muted: f.bool(form, 'Muted') ?? false,
      statusCallback: confCallback?.url,
      statusCallbackMethod: confCallback?.method ?? 'POST',
      statusCallbackEvents: confCallback ? [...confCallback.events] : [],
      label,
    },
  )
  const body = participantResource(core, conf, { pending: created, label, start, end })
  return { status: 201, body }
}

function updateParticipantRoute(core: Core, m: RegExpMatchArray, form: f.Form): Reply {
  const conf = conference(core, m)
  const p = participant(core, m)
  updateParticipant(core, conf, p, {
    hold: f.bool(form, 'Hold'),
    holdUrl: f.url(form, 'HoldUrl'),
    holdMethod: f.optionalMethod(form, 'HoldMethod'),
    muted: f.bool(form, 'Muted'),
    endConferenceOnExit: f.bool(form, 'EndConferenceOnExit'),
    announceUrl: f.url(form, 'AnnounceUrl'),
    announceMethod: f.optionalMethod(form, 'AnnounceMethod'),
  })
  return { status: 200, body: participantResource(core, conf, p) }
}

function removeParticipant(core: Core, m: RegExpMatchArray): Reply {
  leaveConference(core, conference(core, m), participant(core, m), 'kicked')
  return { status: 204, body: undefined }
}
