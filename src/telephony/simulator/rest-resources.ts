import { type Core, simSeconds, twilioDate } from './core.ts'
import type { SimCall, SimConference, SimMessage, SimParticipant } from './types.ts'

/** Twilio-shaped JSON for the REST resources the simulator serves, and Twilio-shaped errors. */

const API = '/2010-04-01'

/** A REST failure as Twilio reports it: HTTP status plus a numeric Twilio error code. */
export class RestError extends Error {
  override name = 'RestError'
  readonly status: number
  readonly code: number
  constructor(status: number, code: number, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

export function notFound(what: string): RestError {
  return new RestError(404, 20404, `The requested resource ${what} was not found`)
}

export type Reply = { status: number; body: unknown }

export function errorBody(e: RestError) {
  return {
    code: e.code,
    message: e.message,
    more_info: `https://www.twilio.com/docs/errors/${e.code}`,
    status: e.status,
  }
}

export function callResource(core: Core, call: SimCall) {
  const uri = `${API}/Accounts/${core.accountSid}/Calls/${call.sid}`
  const sub = (name: string) => `${uri}/${name}.json`
  return {
    account_sid: core.accountSid,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: call.extraParams.CallerName ?? null,
    date_created: twilioDate(call.createdAt),
    date_updated: twilioDate(call.endedAt ?? call.answeredAt ?? call.createdAt),
    direction: call.direction,
    duration: call.endedAt ? String(simSeconds(core, call.answeredAt, call.endedAt)) : null,
    end_time: twilioDate(call.endedAt),
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: call.parentCallSid ?? null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: twilioDate(call.answeredAt),
    status: call.status,
    subresource_uris: {
      notifications: sub('Notifications'),
      recordings: sub('Recordings'),
      payments: sub('Payments'),
      events: sub('Events'),
      siprec: sub('Siprec'),
      streams: sub('Streams'),
      transcriptions: sub('Transcriptions'),
      user_defined_message_subscriptions: sub('UserDefinedMessageSubscriptions'),
      user_defined_messages: sub('UserDefinedMessages'),
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri: `${uri}.json`,
  }
}

export function messageResource(core: Core, m: SimMessage) {
  const uri = `${API}/Accounts/${core.accountSid}/Messages/${m.sid}`
  return {
    account_sid: core.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: twilioDate(m.createdAt),
    date_sent: null,
    date_updated: twilioDate(m.createdAt),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(m.body.length / 160))),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json` },
    to: m.to,
    uri: `${uri}.json`,
  }
}

export function conferenceResource(core: Core, conf: SimConference) {
  const uri = `${API}/Accounts/${core.accountSid}/Conferences/${conf.sid}`
  return {
    account_sid: core.accountSid,
    api_version: '2010-04-01',
    call_sid_ending_conference: conf.callSidEndingConference ?? null,
    date_created: twilioDate(conf.createdAt),
    date_updated: twilioDate(conf.updatedAt),
    friendly_name: conf.friendlyName,
    reason_conference_ended: conf.endedReason ?? null,
    region: 'us1',
    sid: conf.sid,
    status: conf.status,
    subresource_uris: {
      participants: `${uri}/Participants.json`,
      recordings: `${uri}/Recordings.json`,
    },
    uri: `${uri}.json`,
  }
}

/** A participant; `pending` describes a REST-added one whose call has not joined yet. */
export function participantResource(
  core: Core,
  conf: SimConference,
  p: SimParticipant | { pending: SimCall; label: string | undefined; start: boolean; end: boolean },
) {
  const joined = 'callSid' in p
  const callSid = joined ? p.callSid : p.pending.sid
  return {
    account_sid: core.accountSid,
    call_sid: callSid,
    call_sid_to_coach: null,
    coaching: false,
    conference_sid: conf.sid,
    date_created: twilioDate(joined ? p.joinedAt : p.pending.createdAt),
    date_updated: twilioDate(new Date()),
    end_conference_on_exit: joined ? p.endConferenceOnExit : p.end,
    hold: joined ? p.hold : false,
    label: p.label ?? null,
    muted: joined ? p.muted : false,
    queue_time: null,
    start_conference_on_enter: joined ? p.startConferenceOnEnter : p.start,
    status: joined ? 'connected' : 'queued',
    uri: `${API}/Accounts/${core.accountSid}/Conferences/${conf.sid}/Participants/${callSid}.json`,
  }
}

/** A one-page list in Twilio's paging envelope. */
export function page(uri: string, key: string, items: unknown[]) {
  return {
    [key]: items,
    end: Math.max(0, items.length - 1),
    first_page_uri: `${uri}?PageSize=50&Page=0`,
    next_page_uri: null,
    page: 0,
    page_size: 50,
    previous_page_uri: null,
    start: 0,
    uri: `${uri}?PageSize=50&Page=0`,
  }
}
