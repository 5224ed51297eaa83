import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import twilio from 'twilio'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'

import { createDb, type Db } from '../../src/db/database.ts'
import { withDatabase } from '../../src/infra/local-services.ts'
import { createLogger } from '../../src/logger.ts'
import { formatSetupReport } from '../../src/telephony/setup/report.ts'
import { runTwilioSetup, type SetupOptions } from '../../src/telephony/setup/twilio-setup.ts'
import { adminQuery, cloneTestDatabase } from '../helpers/databases.ts'
import { createFakeTwilioEdge } from '../helpers/fake-twilio-edge.ts'

const ACCOUNT_SID = `AC${'5'.repeat(32)}`
const AUTH_TOKEN = 'setup-test-auth-token-0123456789'
const BASE = 'https://hotline.example.org'
const EN = '+15005550006'
const ZH = '+8657112345'
const APP_NAME = 'Shouwen softphone (hotline.example.org)'
const wantedNumber = {
  VoiceUrl: `${BASE}/voice/incoming`,
  VoiceMethod: 'POST',
  StatusCallback: `${BASE}/voice/status`,
  StatusCallbackMethod: 'POST',
  SmsUrl: `${BASE}/sms/incoming`,
  SmsMethod: 'POST',
}

const edge = createFakeTwilioEdge()
const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: edge.httpClient as never })
let db: Db
let drop: () => Promise<void>

beforeAll(async () => {
  const clone = await cloneTestDatabase(inject('pgServerUrl'))
  drop = clone.drop
  db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
  const supervisor = await db
    .insertInto('agents')
    .values({
      job_number: 'S1',
      name: 'Duty supervisor',
      role: 'supervisor',
      client_identity: 'setup-supervisor',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('hotlines')
    .values([
      { phone_number: EN, name: 'City line', language: 'en-US', duty_supervisor_id: supervisor.id },
      { phone_number: ZH, name: '市民热线', language: 'zh-CN', duty_supervisor_id: supervisor.id },
    ])
    .execute()
})
afterAll(async () => {
  await db?.destroy()
  await drop?.()
})
beforeEach(() => edge.reset())
afterEach(() => edge.assertAllValid())

function setup(o: Partial<SetupOptions> = {}) {
  const options = { client, db, publicBaseUrl: BASE, dryRun: false, ...o }
  return runTwilioSetup({ twimlAppSid: undefined, apiKeySid: undefined, ...options })
}
const sent = () => edge.requests.map((r) => `${r.method} ${r.operationId ?? r.uri}`)
const writes = () => edge.requests.filter((r) => r.method !== 'GET')

describe('npm run twilio:setup against the faked Twilio edge', () => {
  it('creates the TwiML App and points the numbers at us; a second run changes nothing', async () => {
    const en = edge.account.addIncomingPhoneNumber(EN, {
      voice_url: 'https://old.example.com/answer',
      voice_method: 'GET',
      voice_fallback_url: 'https://handler.twilio.com/twiml/EHbackup',
    })
    const zh = edge.account.addIncomingPhoneNumber(ZH)
    const key = edge.account.addKey()

    const first = await setup({ apiKeySid: key })

    expect(sent()).toEqual([
      'GET FetchKey',
      'GET ListApplication',
      'POST CreateApplication',
      'GET ListIncomingPhoneNumber',
      'POST UpdateIncomingPhoneNumber',
      'GET ListIncomingPhoneNumber',
      'POST UpdateIncomingPhoneNumber',
    ])
    const [create, updateEn, updateZh] = writes()
    expect(create?.data).toEqual({
      FriendlyName: APP_NAME,
      VoiceUrl: `${BASE}/voice/softphone/outgoing`,
      VoiceMethod: 'POST',
      StatusCallback: `${BASE}/voice/softphone/status`,
      StatusCallbackMethod: 'POST',
    })
    expect(edge.requests[1]?.query).toMatchObject({ FriendlyName: APP_NAME })
    expect(edge.requests[3]?.query).toMatchObject({ PhoneNumber: EN })
    // Only what differs is sent: the example number already had POST for SMS and status.
    expect(updateEn?.pathParams.Sid).toBe(en)
    expect(updateEn?.data).toEqual({
      VoiceUrl: wantedNumber.VoiceUrl,
      VoiceMethod: 'POST',
      StatusCallback: wantedNumber.StatusCallback,
      SmsUrl: wantedNumber.SmsUrl,
    })
    expect(updateZh?.pathParams.Sid).toBe(zh)
    const [app] = edge.account.applications()
    expect(first.application).toMatchObject({ outcome: 'created', sid: app?.sid })
    const numbers = edge.account.incomingPhoneNumbers()
    expect(numbers.find((n) => n.sid === en)).toMatchObject({
      voice_url: wantedNumber.VoiceUrl,
      voice_method: 'POST',
      status_callback: wantedNumber.StatusCallback,
      sms_url: wantedNumber.SmsUrl,
      // The fallback URL is the operator's: left alone without --fallback-url.
      voice_fallback_url: 'https://handler.twilio.com/twiml/EHbackup',
    })
    const report = formatSetupReport(first)
    expect(report.exitCode).toBe(0)
    expect(report.text).toContain(`created: ${String(app?.sid)}`)
    expect(report.text).toContain(
      `VoiceUrl: https://old.example.com/answer → ${wantedNumber.VoiceUrl}`,
    )
    expect(report.text).toContain('VoiceMethod: GET → POST')
    expect(report.text).toContain(`TO DO: set TWILIO_TWIML_APP_SID=${String(app?.sid)}`)
    expect(report.text).not.toContain(AUTH_TOKEN)

    // Again, with the app's SID now in the env, and again without it (found by its name).
    for (const twimlAppSid of [String(app?.sid), undefined]) {
      edge.requests.length = 0
      const again = await setup({ apiKeySid: key, twimlAppSid })
      expect(writes()).toEqual([])
      expect(again.application).toMatchObject({ outcome: 'unchanged', sid: app?.sid })
      expect(again.numbers.map((n) => n.outcome)).toEqual(['unchanged', 'unchanged'])
      const text = formatSetupReport(again)
      expect(text.exitCode).toBe(0)
      expect(text.text).toContain('Nothing changed: Twilio was already set up.')
    }
    expect(edge.account.applications()).toHaveLength(1)
  })

  it('--dry-run only reads, and says what it would change', async () => {
    edge.account.addIncomingPhoneNumber(EN, { voice_url: 'https://old.example.com/answer' })
    edge.account.addIncomingPhoneNumber(ZH, { sms_url: 'https://old.example.com/sms' })
    const before = edge.account.incomingPhoneNumbers()

    const report = await setup({ dryRun: true, createApiKey: true })

    expect(edge.requests.length).toBeGreaterThan(0)
    expect(edge.requests.every((r) => r.method === 'GET')).toBe(true)
    expect(edge.account.applications()).toEqual([])
    expect(edge.account.keys()).toEqual([])
    expect(edge.account.incomingPhoneNumbers()).toEqual(before)
    const { text, exitCode } = formatSetupReport(report)
    expect(exitCode).toBe(0)
    expect(text).toContain('--dry-run: nothing is changed at Twilio')
    expect(text).toContain('would create: (new)')
    expect(text).toContain(`would change: ${EN}`)
    expect(text).toContain(`SmsUrl: https://old.example.com/sms → ${wantedNumber.SmsUrl}`)
    expect(text).toContain('would create one (--create-api-key)')
    expect(text).toContain('Run again without --dry-run')
  })

  it('reports a hotline number the account does not have, and still sets up the others', async () => {
    const en = edge.account.addIncomingPhoneNumber(EN)
    // A number that only contains the hotline's digits is not it.
    edge.account.addIncomingPhoneNumber(`${ZH}9`)

    const report = await setup()

    expect(writes().map((r) => r.operationId)).toEqual([
      'CreateApplication',
      'UpdateIncomingPhoneNumber',
    ])
    expect(writes()[1]?.pathParams.Sid).toBe(en)
    expect(report.numbers).toEqual([
      expect.objectContaining({ phoneNumber: EN, outcome: 'changed' }),
      expect.objectContaining({ phoneNumber: ZH, outcome: 'missing' }),
    ])
    const { text, exitCode } = formatSetupReport(report)
    expect(exitCode).toBe(1)
    expect(text).toContain(`BLOCKING: ${ZH}: not a phone number of this Twilio account`)
  })

  it('clears an application SID that would override the voice URL, and refuses a trunked number', async () => {
    const other = `AP${'7'.repeat(32)}`
    const en = edge.account.addIncomingPhoneNumber(EN, {
      ...Object.fromEntries(
        Object.entries(wantedNumber).map(([k, v]) => [
          k.replace(/\B([A-Z])/g, '_$1').toLowerCase(),
          v,
        ]),
      ),
      voice_application_sid: other,
    })
    edge.account.addIncomingPhoneNumber(ZH, { trunk_sid: `TK${'8'.repeat(32)}` })

    const report = await setup()

    const update = writes().find((r) => r.operationId === 'UpdateIncomingPhoneNumber')
    expect(update?.pathParams.Sid).toBe(en)
    expect(update?.data).toEqual({ VoiceApplicationSid: '' })
    expect(report.numbers[1]).toMatchObject({
      outcome: 'missing',
      problem: expect.stringMatching(/SIP trunk TK/),
    })
    expect(formatSetupReport(report).exitCode).toBe(1)
  })

  it('sets the fallback URL only when asked', async () => {
    edge.account.addIncomingPhoneNumber(EN, { voice_fallback_url: 'https://old.example.com/fb' })
    edge.account.addIncomingPhoneNumber(ZH)
    await setup({ fallbackUrl: 'https://handler.twilio.com/twiml/EHfallback' })
    const updates = writes().filter((r) => r.operationId === 'UpdateIncomingPhoneNumber')
    expect(updates).toHaveLength(2)
    for (const u of updates) {
      expect(u.data).toMatchObject({
        VoiceFallbackUrl: 'https://handler.twilio.com/twiml/EHfallback',
      })
    }
  })

  it('checks the API key: found, not on the account, not set, or created with its secret shown once', async () => {
    edge.account.addIncomingPhoneNumber(EN)
    edge.account.addIncomingPhoneNumber(ZH)
    const absent = `SK${'9'.repeat(32)}`
    const notFound = await setup({ apiKeySid: absent })
    expect(notFound.apiKey.outcome).toBe('not-found')
    const blocked = formatSetupReport(notFound)
    expect(blocked.exitCode).toBe(1)
    expect(blocked.text).toContain(`BLOCKING: TWILIO_API_KEY_SID names no key of this account`)

    const notSet = formatSetupReport(await setup())
    expect(notSet.exitCode).toBe(0)
    expect(notSet.text).toContain('TO DO: create an API key')

    edge.requests.length = 0
    const created = await setup({ createApiKey: true })
    const [key] = edge.account.keys()
    expect(writes().map((r) => r.operationId)).toEqual(['CreateNewKey'])
    expect(created.apiKey).toMatchObject({ outcome: 'created', sid: key?.sid })
    expect(created.apiKey.secret).toBeTruthy()
    const text = formatSetupReport(created).text
    expect(text).toContain(`TWILIO_API_KEY_SID=${String(key?.sid)}`)
    expect(text).toContain(`TWILIO_API_KEY_SECRET=${String(created.apiKey.secret)}`)
  })

  it('does not create a second app when TWILIO_TWIML_APP_SID names one the account lacks', async () => {
    edge.account.addIncomingPhoneNumber(EN)
    edge.account.addIncomingPhoneNumber(ZH)
    const report = await setup({ twimlAppSid: `AP${'6'.repeat(32)}` })
    expect(writes().map((r) => r.operationId)).not.toContain('CreateApplication')
    expect(report.application.outcome).toBe('missing')
    const { text, exitCode } = formatSetupReport(report)
    expect(exitCode).toBe(1)
    expect(text).toContain('BLOCKING: TWILIO_TWIML_APP_SID names no TwiML App of this account')
  })

  it('updates an app it finds by name whose URLs point elsewhere', async () => {
    edge.account.addIncomingPhoneNumber(EN)
    edge.account.addIncomingPhoneNumber(ZH)
    const sid = edge.account.addApplication(APP_NAME, {
      voice_url: 'https://old.example.org/voice/softphone/outgoing',
      voice_method: 'POST',
      status_callback_method: 'GET',
    })
    const report = await setup()
    const update = writes().find((r) => r.operationId === 'UpdateApplication')
    expect(update?.pathParams.Sid).toBe(sid)
    expect(update?.data).toEqual({
      VoiceUrl: `${BASE}/voice/softphone/outgoing`,
      StatusCallback: `${BASE}/voice/softphone/status`,
      StatusCallbackMethod: 'POST',
    })
    expect(report.application).toMatchObject({ outcome: 'changed', sid, sidNotInEnv: true })
  })

  it('lets a Twilio failure through (no report pretending success)', async () => {
    edge.failNext(1, {
      statusCode: 401,
      body: { code: 20003, message: 'Authenticate', status: 401 },
    })
    await expect(setup()).rejects.toMatchObject({ status: 401 })
  })
})

describe('the twilio:setup script', () => {
  const run = promisify(execFile)
  const SCRIPT = new URL('../../scripts/twilio-setup.ts', import.meta.url).pathname
  const script = async (env: Record<string, string>, args: string[] = []) => {
    try {
      await run(process.execPath, [SCRIPT, ...args], {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
        timeout: 20_000,
      })
      return { code: 0, stderr: '' }
    } catch (e) {
      const err = e as { code: number; stderr: string }
      return { code: err.code, stderr: err.stderr }
    }
  }
  const live = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN }

  it('refuses the simulator, a base URL Twilio cannot reach, and unknown options', async () => {
    const sim = await script({ TWILIO_MODE: 'simulator' })
    expect(sim.code).toBe(1)
    expect(sim.stderr).toContain('TWILIO_MODE is simulator: there is no Twilio account to set up')

    const http = await script({ ...live, PUBLIC_BASE_URL: 'http://hotline.example.org' })
    expect(http.code).toBe(1)
    expect(http.stderr).toContain('PUBLIC_BASE_URL: http://hotline.example.org is not https')
    expect(http.stderr).not.toContain(AUTH_TOKEN)

    const unset = await script(live)
    expect(unset.stderr).toContain('PUBLIC_BASE_URL: http://localhost:3000 is not https')

    const local = await script({ ...live, PUBLIC_BASE_URL: 'https://127.0.0.1:8443' })
    expect(local.stderr).toContain('127.0.0.1:8443 is not a public address; Twilio cannot reach it')

    const fallback = ['--fallback-url', `${BASE}/fallback`]
    const sameHost = await script({ ...live, PUBLIC_BASE_URL: BASE }, fallback)
    expect(sameHost.code).toBe(2)
    expect(sameHost.stderr).toContain('--fallback-url must not be on PUBLIC_BASE_URL’s host')

    const flag = await script({ ...live, PUBLIC_BASE_URL: BASE }, ['--dryrun'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('usage: npm run twilio:setup')
  })

  it('reads the hotlines from DATABASE_URL before asking Twilio anything', async () => {
    // An unmigrated database: the script stops at the hotlines, before any Twilio request
    // (which, from a child process, would go to the real api.twilio.com).
    const name = `shouwen_t_setup_${process.pid}`
    const server = inject('pgServerUrl')
    await adminQuery(server, `create database ${name}`)
    try {
      const env = { ...live, PUBLIC_BASE_URL: BASE, DATABASE_URL: withDatabase(server, name) }
      const empty = await script(env, ['--dry-run'])
      expect(empty.code).toBe(1)
      expect(empty.stderr).toContain(
        'the database has no hotlines table yet: run `npm run db:migrate`',
      )
    } finally {
      await adminQuery(server, `drop database if exists ${name} with (force)`)
    }
  })
})
