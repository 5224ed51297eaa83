import { endConference, findConference, leaveConference } from './conference.ts'
import { updateParticipant } from './conference-control.ts'
import type { Core } from './core.ts'
import { addParticipant } from './outbound.ts'
import * as f from './rest-form.ts'
import {
  conferenceResource,
  notFound,
  page,
  participantResource,
  type Reply,
} from './rest-resources.ts'
import type { SimConference } from './types.ts'

/** REST handlers for Conferences and their Participants (hold, warm transfer). */

type Match = RegExpMatchArray

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

export function fetchConference(core: Core, m: Match): Reply {
  return { status: 200, body: conferenceResource(core, conference(core, m)) }
}

export function fetchParticipant(core: Core, m: Match): Reply {
  return { status: 200, body: participantResource(core, conference(core, m), participant(core, m)) }
}

function conference(core: Core, m: Match): SimConference {
  const found = findConference(core, decodeURIComponent(m[1] ?? ''))
  if (!found) throw notFound(`Conference ${m[1]}`)
  return found
}

function participant(core: Core, m: Match) {
  const conf = conference(core, m)
  const key = decodeURIComponent(m[2] ?? '')
  const found =
    conf.participants.get(key) ?? [...conf.participants.values()].find((p) => p.label === key)
  if (!found) throw notFound(`Participant ${key}`)
  return found
}

export function listConferences(core: Core, _m: Match, form: f.Form): Reply {
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

export function updateConference(core: Core, m: Match, form: f.Form): Reply {
  const conf = conference(core, m)
  const status = f.str(form, 'Status')
  if (status !== undefined && status !== 'completed') throw f.invalid('Status', 'must be completed')
  if (status === 'completed') endConference(core, conf, 'conference-ended-via-api', undefined)
  return { status: 200, body: conferenceResource(core, conf) }
}

export function listParticipants(core: Core, m: Match): Reply {
  const conf = conference(core, m)
  const items = [...conf.participants.values()].map((p) => participantResource(core, conf, p))
  const uri = `/2010-04-01/Accounts/${core.accountSid}/Conferences/${conf.sid}/Participants.json`
  return { status: 200, body: page(uri, 'participants', items) }
}

export function createParticipant(core: Core, m: Match, form: f.Form): Reply {
  const key = decodeURIComponent(m[1] ?? '')
  if (/^CF[0-9a-f]{32}$/.test(key) && !findConference(core, key))
    throw notFound(`Conference ${key}`)
  const to = f.address(form, 'To', 21201, 21211)
  const from = f.address(form, 'From', 21213, 21212)
  const statusCallback = f.statusCallback(form, f.CALL_EVENTS)
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
      // A participant added by REST joins the case's room, which its first seat records.
      record: false,
      recordingStatusCallback: undefined,
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvents: [],
    },
  )
  const body = participantResource(core, conf, { pending: created, label, start, end })
  return { status: 201, body }
}

export function updateParticipantRoute(core: Core, m: Match, form: f.Form): Reply {
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

export function removeParticipant(core: Core, m: Match): Reply {
  leaveConference(core, conference(core, m), participant(core, m), 'kicked')
  return { status: 204, body: undefined }
}
