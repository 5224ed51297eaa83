import { endCall } from './calls.ts'
import { type Core, emit, newSid } from './core.ts'
import { type DocSource, execute } from './interpreter.ts'
import { setAnswerSource, startOutboundCall } from './outbound.ts'
import { RECORDING_EVENTS, type RecordingRequest } from './recording.ts'
import * as f from './rest-form.ts'
import { callResource, messageResource, notFound, type Reply, RestError } from './rest-resources.ts'
import { parseTwiml, TwimlError } from './twiml.ts'
import { postCallback } from './webhooks.ts'

/** REST handlers for Calls and Messages. */

type Match = RegExpMatchArray

export function fetchCall(core: Core, m: Match): Reply {
  const forgotten = core.endedCallResources.get(m[1] ?? '')
  if (forgotten) return { status: 200, body: forgotten }
  return { status: 200, body: callResource(core, call(core, m)) }
}

function call(core: Core, m: RegExpMatchArray) {
  const found = core.calls.get(m[1] ?? '')
  if (!found) throw notFound(`Call ${m[1]}`)
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

export function createCall(core: Core, _m: Match, form: f.Form): Reply {
  const to = f.address(form, 'To', 21201, 21211)
  const from = f.address(form, 'From', 21213, 21212)
  const source = docSource(form, true) as DocSource
  const statusCallback = f.statusCallback(form, f.CALL_EVENTS)
  const timeoutSec = f.int(form, 'Timeout', 1, 600) ?? 60
  const recording = recordingRequest(form)
  const created = startOutboundCall(
    core,
    { to, from, statusCallback, timeoutSec, ...(recording && { recording }) },
    source,
  )
  return { status: 201, body: callResource(core, created) }
}

/** `Record` with its RecordingStatusCallback* parameters, as the Calls resource takes them. */
function recordingRequest(form: f.Form): RecordingRequest | undefined {
  if (f.bool(form, 'Record') !== true) return undefined
  const events = f.list(form, 'RecordingStatusCallbackEvent')
  const bad = events.filter((e) => !(RECORDING_EVENTS as readonly string[]).includes(e))
  if (bad.length) {
    throw f.invalid('RecordingStatusCallbackEvent', `has unknown events: ${bad.join(', ')}`)
  }
  const url = f.url(form, 'RecordingStatusCallback')
  if (!url) return undefined
  return {
    url,
    method: f.method(form, 'RecordingStatusCallbackMethod', 'POST'),
    events: new Set(events.length ? events : ['completed']),
  }
}

export function updateCall(core: Core, m: Match, form: f.Form): Reply {
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

export function createMessage(core: Core, _m: Match, form: f.Form): Reply {
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
