import type { FormValues } from './twilio-spec.ts'
import { successExample } from './twilio-spec.ts'

/**
 * The account-level resources of the fake Twilio edge that `npm run twilio:setup` reads and
 * writes: TwiML Apps (Applications), IncomingPhoneNumbers and API Keys. They keep state, so a
 * second run sees what the first one did. Answers start from the API description's own examples
 * (snake_case fields), with the sent form fields applied.
 */

type Resource = Record<string, unknown>
interface AccountRequest {
  operationId: string | undefined
  pathParams: Record<string, string>
  data: FormValues
  query: FormValues
}

export interface FakeTwilioAccount {
  /** A number bought on the account; `fields` in Twilio's snake_case (voice_url, trunk_sid…). */
  addIncomingPhoneNumber(phoneNumber: string, fields?: Resource): string
  addApplication(friendlyName: string, fields?: Resource): string
  addKey(friendlyName?: string): string
  applications(): Resource[]
  incomingPhoneNumbers(): Resource[]
  keys(): Resource[]
  /** The answer for an account-resource operation; undefined for any other operation. */
  answer(req: AccountRequest, now: string): { statusCode: number; body: unknown } | undefined
  clear(): void
}

export function createFakeTwilioAccount(newSid: (prefix: string) => string): FakeTwilioAccount {
  const apps = new Map<string, Resource>()
  const numbers = new Map<string, Resource>()
  const keys = new Map<string, Resource>()
  const blank = (operationId: string, key?: string) => {
    const body = successExample(operationId)?.body as Resource
    return structuredClone((key ? (body[key] as Resource[])[0] : body) ?? {})
  }

  function addApplication(friendlyName: string, fields: Resource = {}) {
    const sid = newSid('AP')
    const app = { ...blank('ListApplication', 'applications'), ...nulled(APP_FIELDS) }
    apps.set(sid, { ...app, sid, friendly_name: friendlyName, ...fields })
    return sid
  }

  return {
    addIncomingPhoneNumber(phoneNumber, fields = {}) {
      const sid = newSid('PN')
      const base = blank('ListIncomingPhoneNumber', 'incoming_phone_numbers')
      numbers.set(sid, {
        ...base,
        ...nulled(NUMBER_FIELDS),
        sid,
        phone_number: phoneNumber,
        trunk_sid: null,
        ...fields,
      })
      return sid
    },
    addApplication,
    addKey(friendlyName = 'a key') {
      const sid = newSid('SK')
      keys.set(sid, { ...blank('FetchKey'), sid, friendly_name: friendlyName })
      return sid
    },
    applications: () => [...apps.values()].map((r) => ({ ...r })),
    incomingPhoneNumbers: () => [...numbers.values()].map((r) => ({ ...r })),
    keys: () => [...keys.values()].map((r) => ({ ...r })),
    answer(req, now) {
      const sid = req.pathParams.Sid ?? ''
      const account = req.pathParams.AccountSid ?? ''
      const filter = (name: string) => one(req.query[name])
      const page = (key: string, rows: Resource[]) => ({
        statusCode: 200,
        body: {
          [key]: rows.map((r) => withAccount(r, account)),
          next_page_uri: null,
          previous_page_uri: null,
          page: 0,
          page_size: 50,
          start: 0,
          end: rows.length - 1,
        },
      })
      switch (req.operationId) {
        case 'ListApplication': {
          const name = filter('FriendlyName')
          return page(
            'applications',
            [...apps.values()].filter((a) => !name || a.friendly_name === name),
          )
        }
        case 'CreateApplication': {
          const created = addApplication(one(req.data.FriendlyName) ?? '', {
            ...form(req.data),
            date_created: now,
            date_updated: now,
          })
          return { statusCode: 201, body: withAccount(apps.get(created)!, account) }
        }
        case 'FetchApplication':
        case 'UpdateApplication':
          return change(apps, sid, req, account, now)
        case 'ListIncomingPhoneNumber': {
          // Twilio matches the filter against any part of the number.
          const part = filter('PhoneNumber')
          const rows = [...numbers.values()].filter(
            (n) => !part || String(n.phone_number).includes(part),
          )
          return page('incoming_phone_numbers', rows)
        }
        case 'FetchIncomingPhoneNumber':
        case 'UpdateIncomingPhoneNumber':
          return change(numbers, sid, req, account, now)
        case 'FetchKey':
          return keys.has(sid) ? { statusCode: 200, body: { ...keys.get(sid) } } : notFound(req)
        case 'ListKey':
          return page('keys', [...keys.values()])
        case 'CreateNewKey': {
          const key = addKeyWithSecret(one(req.data.FriendlyName) ?? '')
          return { statusCode: 201, body: key }
        }
        default:
          return undefined
      }
    },
    clear() {
      apps.clear()
      numbers.clear()
      keys.clear()
    },
  }

  function addKeyWithSecret(friendlyName: string): Resource {
    const sid = newSid('SK')
    const key = { ...blank('FetchKey'), sid, friendly_name: friendlyName }
    keys.set(sid, key)
    return { ...key, secret: newSid('secret') }
  }
}

const APP_FIELDS = ['voice_url', 'status_callback', 'sms_url', 'voice_fallback_url']
const NUMBER_FIELDS = ['voice_url', 'voice_fallback_url']

function nulled(fields: string[]): Resource {
  return Object.fromEntries(fields.map((f) => [f, null]))
}

function change(
  store: Map<string, Resource>,
  sid: string,
  req: AccountRequest,
  account: string,
  now: string,
) {
  const row = store.get(sid)
  if (!row) return notFound(req)
  if (req.operationId?.startsWith('Update'))
    Object.assign(row, form(req.data), { date_updated: now })
  return { statusCode: 200, body: withAccount(row, account) }
}

/** The sent form fields as the resource's snake_case properties (VoiceUrl → voice_url). */
function form(data: FormValues): Resource {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [
      k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase(),
      one(v) ?? null,
    ]),
  )
}

function withAccount(row: Resource, account: string): Resource {
  return { ...row, account_sid: account }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

function notFound(req: AccountRequest) {
  const message = `The requested resource ${req.operationId ?? ''} ${req.pathParams.Sid ?? ''} was not found`
  return {
    statusCode: 404,
    body: {
      code: 20404,
      message,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    },
  }
}
