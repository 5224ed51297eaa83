// `npm run twilio:setup [-- --dry-run] [--fallback-url <url>] [--create-api-key]`: points the
// Twilio account at this deployment (TwiML App, hotline numbers) and checks the API key.
import { parseArgs } from 'node:util'

import twilio from 'twilio'

import { type Config, loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { coerceError } from '../src/errors.ts'
import { ensureDatabase, postgresServerUrl } from '../src/infra/local-services.ts'
import { DEFAULT_DATABASE_NAME } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'
import { formatSetupReport } from '../src/telephony/setup/report.ts'
import { unreachableBaseUrl } from '../src/telephony/setup/settings.ts'
import { runTwilioSetup } from '../src/telephony/setup/twilio-setup.ts'
import { twilioRequestClient } from '../src/telephony/telephony.ts'

const USAGE =
  'usage: npm run twilio:setup [-- --dry-run] [--fallback-url <https url>] [--create-api-key]'

function refuse(message: string, code = 1): never {
  process.stderr.write(`twilio:setup: ${message}\n`)
  process.exit(code)
}

let args: {
  'dry-run'?: boolean
  'fallback-url'?: string
  'create-api-key'?: boolean
  help?: boolean
}
try {
  args = parseArgs({
    options: {
      'dry-run': { type: 'boolean' },
      'fallback-url': { type: 'string' },
      'create-api-key': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }).values
} catch (e) {
  refuse(`${coerceError(e).message}\n${USAGE}`, 2)
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

let config: Config
try {
  config = loadConfig()
} catch (e) {
  refuse(coerceError(e).message)
}
const twilioConfig = config.twilio
if (twilioConfig.mode !== 'live') {
  refuse(
    'TWILIO_MODE is simulator: there is no Twilio account to set up. Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (and unset TWILIO_MODE, or set it to live)',
  )
}
const problem = unreachableBaseUrl('PUBLIC_BASE_URL', config.http.publicBaseUrl)
if (problem) refuse(problem)
const fallbackUrl = args['fallback-url']
if (fallbackUrl !== undefined) {
  const bad = unreachableBaseUrl('--fallback-url', fallbackUrl)
  if (bad) refuse(bad, 2)
  // The fallback answers when Shouwen's site cannot: on Shouwen's own host it would fail with it.
  if (new URL(fallbackUrl).host === new URL(config.http.publicBaseUrl).host) {
    refuse(
      '--fallback-url must not be on PUBLIC_BASE_URL’s host: it answers when that host cannot (e.g. a TwiML Bin)',
      2,
    )
  }
}

const logger = createLogger({ level: config.log.level })
const dir = config.localServicesDir
const databaseUrl =
  config.db.url ??
  (await ensureDatabase(
    await postgresServerUrl({ dir, databaseUrl: undefined, say: (m) => logger.info(m) }),
    DEFAULT_DATABASE_NAME,
  ))
const db = createDb({ url: databaseUrl, logger, max: 2 })
const client = twilio(twilioConfig.accountSid, twilioConfig.authToken, {
  httpClient: twilioRequestClient() as never,
})
try {
  const report = await runTwilioSetup({
    client,
    db,
    publicBaseUrl: config.http.publicBaseUrl,
    twimlAppSid: twilioConfig.twimlAppSid,
    apiKeySid: twilioConfig.apiKey?.sid,
    dryRun: args['dry-run'] ?? false,
    fallbackUrl,
    createApiKey: args['create-api-key'] ?? false,
  })
  const { text, exitCode } = formatSetupReport(report)
  process.stdout.write(`${text}\n`)
  process.exitCode = exitCode
} catch (e) {
  process.exitCode = 1
  process.stderr.write(`twilio:setup: ${failure(e)}\n`)
} finally {
  await db.destroy()
}

/** Twilio's answer or the database's, said plainly (never the credentials). */
function failure(e: unknown): string {
  const err = e as { status?: number; code?: number | string; message?: string }
  if (err.code === '42P01') {
    return 'the database has no hotlines table yet: run `npm run db:migrate`, add the hotlines, and run again'
  }
  if (err.status === 401) {
    return 'Twilio refused TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (401): check them in the Twilio console'
  }
  if (typeof err.status === 'number') {
    return `Twilio answered ${err.status}${err.code ? ` (error ${err.code})` : ''}: ${err.message ?? ''}. Nothing after that request was changed; run again once it is fixed`
  }
  return coerceError(e).message
}
