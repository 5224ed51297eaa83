import { randomBytes } from 'node:crypto'

import { z } from 'zod'

/**
 * The only reader of process.env. A pure function of its input, so tests pass literals.
 * Every bad variable is listed in one error, named, so an operator fixes them in one go.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: url(['http', 'https']).optional(),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  LOCAL_SERVICES_DIR: z.string().min(1).default('.local'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_MODE: z.enum(['live', 'simulator'], 'must be live or simulator').optional(),
  SIMULATOR_ALLOW_REMOTE: bool.default(false),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TIME_ZONE: z
    .string()
    .refine(isTimeZone, { message: 'must be an IANA time zone such as Asia/Shanghai' })
    .default('Asia/Shanghai'),
  CASE_REFERENCE_PREFIX: z
    .string()
    .regex(/^[A-Z]{2,6}$/, 'must be 2 to 6 capital letters')
    .default('HL'),
  DEFAULT_LANGUAGE: z.enum(['zh-CN', 'en-US']).default('zh-CN'),
  RING_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(30).default(16),
  RING_WAVE_SIZE: z.coerce.number().int().min(1).max(20).default(3),
  TRANSFER_RING_SECONDS: z.coerce.number().int().min(10).max(120).default(25),
  QUEUE_MAX_WAIT_SECONDS: z.coerce.number().int().min(30).max(1800).default(120),
  HOLD_PROGRESS_SECONDS: z.coerce.number().int().min(5).max(60).default(15),
  HOLD_MUSIC_URL: url(['http', 'https']).optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  // Failed logins: per job number in 15 minutes, per client address in an hour; then locked.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(50),
  LOGIN_BLOCK_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(900),
  API_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  STREAM_RECHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  STREAM_MAX_PER_AGENT: z.coerce.number().int().min(1).max(100).default(5),
  DISPATCH_SWEEP_MS: z.coerce.number().int().min(200).max(60_000).default(5000),
  DEADLINE_SWEEP_MS: z.coerce.number().int().min(200).max(300_000).default(15_000),
  // After-call work: an agent whose call ended is offered no call for this long.
  WRAP_UP_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  // Service level (15秒接通率): answered within this many seconds of entering the queue.
  SERVICE_LEVEL_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
  // Callers hanging up within this many seconds of entering the queue are left out of the rate.
  SERVICE_LEVEL_SHORT_ABANDON_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  TRUST_PROXY: bool.default(false),
  CALLING_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must look like 08:30-20:30')
    .refine((v) => v.slice(0, 5) < v.slice(6), 'must end after it starts')
    .default('08:30-20:30'),
  CALLING_DAYS: z.enum(['every_day', 'working_days']).default('every_day'),
  WORKING_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must look like 09:00-18:00')
    .refine((v) => v.slice(0, 5) < v.slice(6), 'must end after it starts')
    .default('09:00-18:00'),
  // Gaps in the working day that are not working time (lunch): "12:00-13:00", comma-separated.
  WORKING_BREAKS: z
    .string()
    .regex(
      /^(([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d)(,([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d)*$/,
      'must look like 12:00-13:00 (several separated by commas)',
    )
    .optional(),
  CONFIRMATION_DELAY_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(120),
  CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  CALLBACK_MIN_GAP_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(10),
  RECONCILE_EVERY_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  CALLBACK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  CALLBACK_DIAL_BATCH: z.coerce.number().int().min(1).max(5000).default(1000),
  CALLBACK_DIALS_IN_FLIGHT: z.coerce.number().int().min(0).max(20_000).default(100),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1 to 32 of a-z, 0-9, _ and -')
    .default('shouwen'),
})

export type Env = z.input<typeof envSchema>

export interface Config {
  readonly http: {
    readonly port: number
    readonly host: string
    readonly publicBaseUrl: string
    readonly trustProxy: boolean
    /** Longest a client may take to send a whole request (headers and body): slow bodies are cut. */
    readonly requestTimeoutMs: number
  }
  /** Unset means "find or start a local one" (see src/infra/local-services.ts). */
  readonly db: { readonly url: string | undefined }
  readonly redis: { readonly url: string | undefined }
  readonly localServicesDir: string
  readonly twilio:
    | { readonly mode: 'live'; readonly accountSid: string; readonly authToken: string }
    | {
        readonly mode: 'simulator'
        readonly accountSid: string
        readonly authToken: string
        /** SIMULATOR_ALLOW_REMOTE: the simulator may listen beyond this machine (see startService). */
        readonly allowRemote: boolean
      }
  readonly log: { readonly level: string }
  readonly timeZone: string
  readonly caseReferencePrefix: string
  readonly defaultLanguage: 'zh-CN' | 'en-US'
  readonly voice: {
    readonly ringTimeoutSeconds: number
    readonly ringWaveSize: number
    /** How long a department's person is rung on a transfer before the caller goes back. */
    readonly transferRingSeconds: number
    readonly queueMaxWaitSeconds: number
    readonly holdProgressSeconds: number
    readonly holdMusicUrl: string | undefined
  }
  readonly sessionTtlHours: number
  readonly auth: {
    /** Failed logins allowed per job number in 15 minutes, and per client address in an hour. */
    readonly maxFailuresPerAccount: number
    readonly maxFailuresPerAddress: number
    /** How long a job number or address stays locked once over its limit. */
    readonly blockSeconds: number
    /** Longest (and default) lifetime of a long-lived API token. */
    readonly apiTokenTtlDays: number
  }
  readonly stream: {
    /** Open /api/stream connections re-check their token this often (revoked elsewhere). */
    readonly recheckSeconds: number
    /** Open streams per agent in one process; a new one closes the oldest. */
    readonly maxPerAgent: number
  }
  readonly shutdownTimeoutMs: number
  readonly dispatchSweepMs: number
  /** After-call work (话后整理) before an agent is offered calls again. */
  readonly wrapUpSeconds: number
  readonly serviceLevel: {
    /** Answered within this many seconds (inclusive) of entering the queue counts as in time. */
    readonly answerSeconds: number
    /** Abandoned within this many seconds (inclusive) is left out of the rate's denominator. */
    readonly shortAbandonSeconds: number
  }
  /** How often the clocks are checked for warnings and breaches (and notification SMS sent). */
  readonly deadlineSweepMs: number
  /** BullMQ key prefix: several deployments (or test runs) can share one Redis. */
  readonly queuePrefix: string
  readonly callbacks: {
    readonly callingHours: { readonly start: string; readonly end: string }
    readonly callingDays: 'every_day' | 'working_days'
    readonly workingHours: { readonly start: string; readonly end: string }
    /** Inside the working hours, in order, not overlapping (lunch); none by default. */
    readonly workingBreaks: readonly { readonly start: string; readonly end: string }[]
    readonly confirmationDelaySeconds: number
    readonly maxAttempts: number
    readonly minGapMinutes: number
    readonly reconcileEveryMs: number
    /** Attempts a worker process dials at once; each mostly waits on Twilio's API. */
    readonly workerConcurrency: number
    /** Most callbacks one due job claims: its own and others already due (a burst). */
    readonly dialBatch: number
    /**
     * Create-call requests a worker process keeps open for callbacks claimed along with a job's
     * own; keep the sum over processes under the Twilio account's API concurrency.
     */
    readonly dialsInFlight: number
  }
}

/**
 * The local simulator's account. Its auth token is drawn afresh each time the config is loaded:
 * the simulator runs in this process and signs webhooks with it, so nobody else needs it and
 * nobody can forge a webhook from a token read in the source.
 */
export const SIMULATOR_ACCOUNT_SID = 'AC00000000000000000000000000000000'

export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}\nSee .env.example and the README.`)
    this.problems = problems
  }
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  /** For scripts that never talk to Twilio (migrate, services): no mode needs to be chosen. */
  opts: { twilioOptional?: boolean } = {},
): Config {
  // Empty strings count as unset: `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  )
  const parsed = envSchema.safeParse(cleaned)
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  const e = parsed.success ? parsed.data : undefined
  if (e) problems.push(...twilioModeProblems(e, opts.twilioOptional ?? false))
  if (e) problems.push(...breakProblems(e.WORKING_HOURS, e.WORKING_BREAKS))
  if (!e || problems.length > 0) throw new ConfigError(problems)

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  const twilio =
    e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
      ? { mode: 'live' as const, accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN }
      : {
          mode: 'simulator' as const,
          accountSid: SIMULATOR_ACCOUNT_SID,
          authToken: `sim-${randomBytes(24).toString('base64url')}`,
          allowRemote: e.SIMULATOR_ALLOW_REMOTE,
        }

  return deepFreeze({
    http: {
      port: e.PORT,
      host: e.HOST,
      publicBaseUrl,
      trustProxy: e.TRUST_PROXY,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    },
    db: { url: e.DATABASE_URL },
    redis: { url: e.REDIS_URL },
    localServicesDir: e.LOCAL_SERVICES_DIR,
    twilio,
    log: { level: e.LOG_LEVEL },
    timeZone: e.TIME_ZONE,
    caseReferencePrefix: e.CASE_REFERENCE_PREFIX,
    defaultLanguage: e.DEFAULT_LANGUAGE,
    voice: {
      ringTimeoutSeconds: e.RING_TIMEOUT_SECONDS,
      ringWaveSize: e.RING_WAVE_SIZE,
      transferRingSeconds: e.TRANSFER_RING_SECONDS,
      queueMaxWaitSeconds: e.QUEUE_MAX_WAIT_SECONDS,
      holdProgressSeconds: e.HOLD_PROGRESS_SECONDS,
      holdMusicUrl: e.HOLD_MUSIC_URL,
    },
    sessionTtlHours: e.SESSION_TTL_HOURS,
    auth: {
      maxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      blockSeconds: e.LOGIN_BLOCK_SECONDS,
      apiTokenTtlDays: e.API_TOKEN_TTL_DAYS,
    },
    stream: { recheckSeconds: e.STREAM_RECHECK_SECONDS, maxPerAgent: e.STREAM_MAX_PER_AGENT },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    dispatchSweepMs: e.DISPATCH_SWEEP_MS,
    deadlineSweepMs: e.DEADLINE_SWEEP_MS,
    wrapUpSeconds: e.WRAP_UP_SECONDS,
    serviceLevel: {
      answerSeconds: e.SERVICE_LEVEL_SECONDS,
      shortAbandonSeconds: e.SERVICE_LEVEL_SHORT_ABANDON_SECONDS,
    },
    queuePrefix: e.QUEUE_PREFIX,
    callbacks: {
      callingHours: { start: e.CALLING_HOURS.slice(0, 5), end: e.CALLING_HOURS.slice(6) },
      callingDays: e.CALLING_DAYS,
      workingHours: { start: e.WORKING_HOURS.slice(0, 5), end: e.WORKING_HOURS.slice(6) },
      workingBreaks: parseBreaks(e.WORKING_BREAKS),
      confirmationDelaySeconds: e.CONFIRMATION_DELAY_SECONDS,
      maxAttempts: e.CALLBACK_MAX_ATTEMPTS,
      minGapMinutes: e.CALLBACK_MIN_GAP_MINUTES,
      reconcileEveryMs: e.RECONCILE_EVERY_MS,
      workerConcurrency: e.CALLBACK_WORKER_CONCURRENCY,
      dialBatch: e.CALLBACK_DIAL_BATCH,
      dialsInFlight: e.CALLBACK_DIALS_IN_FLIGHT,
    },
  })
}

/**
 * The simulator takes calls from anyone who reaches it, so it is never a fallback: live mode
 * needs both credentials, simulator mode must be asked for, and asking for both is refused
 * rather than guessed (a deployment that meant live must not quietly run the simulator).
 */
function twilioModeProblems(
  e: {
    TWILIO_MODE?: 'live' | 'simulator' | undefined
    TWILIO_ACCOUNT_SID?: string | undefined
    TWILIO_AUTH_TOKEN?: string | undefined
  },
  optional: boolean,
): string[] {
  const sid = Boolean(e.TWILIO_ACCOUNT_SID)
  const token = Boolean(e.TWILIO_AUTH_TOKEN)
  if (e.TWILIO_MODE === 'simulator') {
    return sid || token
      ? [
          'TWILIO_MODE: simulator does not use TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN; unset them for the local simulator, or set TWILIO_MODE=live for the real account',
        ]
      : []
  }
  if (sid && token) return []
  if (sid || token || e.TWILIO_MODE === 'live') {
    return [
      'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: set both for a real Twilio account (or TWILIO_MODE=simulator, with neither, for the local simulator)',
    ]
  }
  if (optional) return []
  return [
    'TWILIO_MODE: no Twilio account is configured; set TWILIO_MODE=simulator for the local simulator, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN for the real Twilio account',
  ]
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

function parseBreaks(v: string | undefined): { start: string; end: string }[] {
  return (v ? v.split(',') : []).map((r) => ({ start: r.slice(0, 5), end: r.slice(6) }))
}

/** Each break inside the working hours, after the one before it: else the day is nonsense. */
function breakProblems(hours: string, breaks: string | undefined): string[] {
  let last = hours.slice(0, 5)
  for (const b of parseBreaks(breaks)) {
    if (!(b.start > last && b.start < b.end && b.end < hours.slice(6)))
      return [
        `WORKING_BREAKS: ${breaks ?? ''} must lie inside WORKING_HOURS (${hours}), each after the one before, none touching the start or end`,
      ]
    last = b.end
  }
  return []
}
