import type { EdgeHttpClient } from '../telephony.ts'
import type { Core } from './core.ts'
import { createCall, createMessage, fetchCall, updateCall } from './rest-calls.ts'
import {
  createParticipant,
  fetchConference,
  fetchParticipant,
  listConferences,
  listParticipants,
  removeParticipant,
  updateConference,
  updateParticipantRoute,
} from './rest-conferences.ts'
import type { Form } from './rest-form.ts'
import { deleteRecording, recordingMedia } from './rest-recordings.ts'
import { errorBody, notFound, type Reply, RestError } from './rest-resources.ts'

/**
 * The Twilio REST API as the official client calls it, served in-process: the simulator's
 * `httpClient`. Covers calls, messages, conferences, participants and recordings (their
 * media too); anything else is a 404.
 */

type Route = (core: Core, m: RegExpMatchArray, form: Form) => Reply

const CALL = /^\/Calls\/([^/]+)\.json$/
const CONFERENCE = /^\/Conferences\/([^/]+)\.json$/
const PARTICIPANTS = /^\/Conferences\/([^/]+)\/Participants\.json$/
const PARTICIPANT = /^\/Conferences\/([^/]+)\/Participants\/([^/]+)\.json$/

const routes: [method: string, path: RegExp, route: Route][] = [
  ['post', /^\/Calls\.json$/, createCall],
  ['get', CALL, fetchCall],
  ['post', CALL, updateCall],
  ['post', /^\/Messages\.json$/, createMessage],
  ['get', /^\/Conferences\.json$/, listConferences],
  ['get', CONFERENCE, fetchConference],
  ['post', CONFERENCE, updateConference],
  ['get', PARTICIPANTS, listParticipants],
  ['post', PARTICIPANTS, createParticipant],
  ['get', PARTICIPANT, fetchParticipant],
  ['post', PARTICIPANT, updateParticipantRoute],
  ['delete', PARTICIPANT, removeParticipant],
  ['delete', /^\/Recordings\/([^/]+)\.json$/, deleteRecording],
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
    media: (r) => recordingMedia(core, r),
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
  const form = { ...(opts.params as Form | undefined), ...(opts.data as Form | undefined) }
  for (const [routeMethod, re, route] of routes) {
    const m = rest.match(re)
    if (m && routeMethod === method) return route(core, m, form)
  }
  throw notFound(path)
}
