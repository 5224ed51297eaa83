import type twilio from 'twilio'

import { listHotlines } from '../../calls/directory.repository.ts'
import type { Db } from '../../db/database.ts'
import { createVoicePaths } from '../../voice/paths.ts'
import {
  applicationName,
  applicationSettings,
  changesBetween,
  type FieldChange,
  numberSettings,
  updateParams,
} from './settings.ts'

/**
 * `npm run twilio:setup`: puts the TwiML App and each hotline number's URLs in place through
 * Twilio's REST API (the official client, so tests hand it a fake HTTP edge), and checks the API
 * key. Idempotent: only fields that differ are sent, so a second run sends nothing. With
 * `dryRun` only GET requests are made.
 */

export type TwilioClient = ReturnType<typeof twilio>

export interface SetupOptions {
  client: TwilioClient
  db: Db
  publicBaseUrl: string
  /** TWILIO_TWIML_APP_SID: the app to configure; unset, it is found by name or created. */
  twimlAppSid: string | undefined
  /** TWILIO_API_KEY_SID: checked to exist on the account. */
  apiKeySid: string | undefined
  dryRun: boolean
  /** Set as each number's VoiceFallbackUrl; unset, the fallback URL is left alone. */
  fallbackUrl?: string | undefined
  /** With no API key configured, create one (its secret is in the report, shown once). */
  createApiKey?: boolean
}

/** created/changed: done (or, in a dry run, would be done); missing: needs the operator. */
export type Outcome = 'created' | 'changed' | 'unchanged' | 'missing'

export interface ApplicationResult {
  outcome: Outcome
  sid: string | undefined
  name: string
  changes: FieldChange[]
  /** The SID is not (or not correctly) in TWILIO_TWIML_APP_SID. */
  sidNotInEnv: boolean
}

export interface NumberResult {
  phoneNumber: string
  outcome: Outcome
  sid: string | undefined
  changes: FieldChange[]
  /** Why a missing number is missing (not on the account, or routed by a SIP trunk). */
  problem?: string
}

export interface ApiKeyResult {
  outcome: 'found' | 'created' | 'not-set' | 'not-found'
  sid: string | undefined
  /** Only when created by this run: Twilio never shows it again. */
  secret?: string
}

export interface SetupReport {
  dryRun: boolean
  application: ApplicationResult
  numbers: NumberResult[]
  apiKey: ApiKeyResult
}

export async function runTwilioSetup(o: SetupOptions): Promise<SetupReport> {
  const paths = createVoicePaths(o.publicBaseUrl)
  // Hotlines are read before anything is sent, so a database without them changes nothing.
  const hotlines = await listHotlines(o.db)
  const apiKey = await checkApiKey(o)
  const application = await setUpApplication(o, applicationSettings(paths))
  const wanted = numberSettings(paths, o.fallbackUrl)
  const numbers: NumberResult[] = []
  for (const h of hotlines) numbers.push(await setUpNumber(o, h.phoneNumber, wanted))
  return { dryRun: o.dryRun, application, numbers, apiKey }
}

async function checkApiKey(o: SetupOptions): Promise<ApiKeyResult> {
  if (o.apiKeySid) {
    const key = await orNotFound(o.client.keys(o.apiKeySid).fetch())
    return { outcome: key ? 'found' : 'not-found', sid: o.apiKeySid }
  }
  if (!o.createApiKey) return { outcome: 'not-set', sid: undefined }
  if (o.dryRun) return { outcome: 'created', sid: undefined }
  const key = await o.client.newKeys.create({ friendlyName: 'Shouwen softphone' })
  return { outcome: 'created', sid: key.sid, secret: key.secret }
}

async function setUpApplication(
  o: SetupOptions,
  wanted: Record<string, string>,
): Promise<ApplicationResult> {
  const name = applicationName(o.publicBaseUrl)
  const app = o.twimlAppSid
    ? await orNotFound(o.client.applications(o.twimlAppSid).fetch())
    : (await o.client.applications.list({ friendlyName: name, limit: 1 }))[0]
  if (!app && o.twimlAppSid) {
    // The env names an app the account does not have: creating another would leave the env
    // pointing at nothing, so the operator decides.
    return { outcome: 'missing', sid: o.twimlAppSid, name, changes: [], sidNotInEnv: true }
  }
  if (!app) {
    const changes = changesBetween({}, wanted)
    if (o.dryRun) return { outcome: 'created', sid: undefined, name, changes, sidNotInEnv: true }
    const created = await o.client.applications.create({ friendlyName: name, ...wanted })
    return { outcome: 'created', sid: created.sid, name, changes, sidNotInEnv: true }
  }
  const changes = changesBetween(app, wanted)
  if (changes.length > 0 && !o.dryRun) {
    // By SID: an instance from list() has no SID in its path (twilio-node) and cannot update.
    await o.client.applications(app.sid).update(updateParams(changes))
  }
  const outcome: Outcome = changes.length > 0 ? 'changed' : 'unchanged'
  return {
    outcome,
    sid: app.sid,
    name: app.friendlyName,
    changes,
    sidNotInEnv: !o.twimlAppSid,
  }
}

async function setUpNumber(
  o: SetupOptions,
  phoneNumber: string,
  wanted: Record<string, string>,
): Promise<NumberResult> {
  // Twilio's PhoneNumber filter matches parts of numbers too: keep the exact one.
  const found = await o.client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 })
  const number = found.find((n) => n.phoneNumber === phoneNumber)
  if (!number) {
    const problem = 'not a phone number of this Twilio account'
    return { phoneNumber, outcome: 'missing', sid: undefined, changes: [], problem }
  }
  if (number.trunkSid) {
    // A number on an Elastic SIP trunk takes its calls from the trunk, whatever its voice URL.
    const problem = `routed by the SIP trunk ${number.trunkSid}; remove it from the trunk in the Twilio console`
    return { phoneNumber, outcome: 'missing', sid: number.sid, changes: [], problem }
  }
  const changes = changesBetween(number, wanted)
  if (changes.length > 0 && !o.dryRun) {
    await o.client.incomingPhoneNumbers(number.sid).update(updateParams(changes))
  }
  return {
    phoneNumber,
    outcome: changes.length > 0 ? 'changed' : 'unchanged',
    sid: number.sid,
    changes,
  }
}

/** The resource, or undefined when Twilio answers 404 (any other failure is thrown). */
async function orNotFound<T>(fetching: Promise<T>): Promise<T | undefined> {
  try {
    return await fetching
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined
    throw e
  }
}
