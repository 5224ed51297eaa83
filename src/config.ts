import { randomBytes } from 'node:crypto'

import { z } from 'zod'

/**
 * The only reader of process.env. A pure function of its input, so tests pass literals.
 * Every bad variable is listed in one error, named, so an operator fixes them in one go.
 */

/** 'HH:mm-HH:mm'; the end may be 24:00. */
const RANGE = '([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d'

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
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  // Redis that fails over: the sentinels to ask for the primary, and its name in their config.
  REDIS_SENTINELS: z
    .string()
    .transform((v, ctx) => {
      const list = parseSentinels(v)
      if (!list) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be host:port of each sentinel, separated by commas (e.g. 10.0.0.1:26379,10.0.0.2:26379)',
        })
        return z.NEVER
      }
      return list
    })
    .optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,100}$/,
      "must be the master name in the sentinels' config, e.g. mymaster",
    )
    .optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  LOCAL_SERVICES_DIR: z.string().min(1).default('.local'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_MODE: z.enum(['live', 'simulator'], 'must be live or simulator').optional(),
  // The browser softphone (Twilio Voice JS SDK): an API key signs agents' Access Tokens, and the
  // TwiML App's voice URL takes the console's outgoing calls.
  TWILIO_API_KEY_SID: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must look like SK followed by 32 hex digits')
    .optional(),
  TWILIO_API_KEY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_TWIML_APP_SID: z
    .string()
    .regex(/^AP[0-9a-fA-F]{32}$/, 'must look like AP followed by 32 hex digits')
    .optional(),
  // Lifetime of an agent's Access Token; the console fetches a new one before it runs out.
  VOICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(86_400).default(3600),
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
  // A new call is turned away (503: the number's fallback URL) while this process's oldest
  // waiter for a Postgres connection has waited this long; 0 never. A call in progress's webhook
  // waits for a connection several times in turn: in an overloaded bench:day /voice/incoming
  // (one wait) had p99 4.8 s while /voice/menu had 11.6 s, so 2 s, not 5, keeps those inside
  // Twilio's 15 s.
  SHED_NEW_CALLS_AFTER_MS: z.coerce.number().int().min(0).max(14_000).default(2000),
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
  // Retention (src/retention): days kept; 0 keeps for ever. Agent and department legs are the
  // record of who was rung: keep them at least a week (a month's violation records look back).
  RETENTION_CALL_LEGS_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .refine((v) => v === 0 || v >= 7, 'must be 0 (keep for ever) or at least 7 days')
    .default(0),
  // Status-callback receipts only drop Twilio's retries, which come within minutes.
  RETENTION_WEBHOOK_RECEIPTS_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .refine((v) => v === 0 || v >= 2, 'must be 0 (keep for ever) or at least 2 days')
    .default(30),
  // Call recordings: deleted at Twilio (and the rows marked) this many days after the call.
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
  // After-call work: an agent whose call ended is offered no call for this long.
  WRAP_UP_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  // An available agent who lets this many offers in a row ring out is set away (0 = never).
  MISSED_OFFERS_BEFORE_AWAY: z.coerce.number().int().min(0).max(20).default(2),
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
  // The working day as its stretches, ascending: "09:00-12:00,13:30-18:00" (lunch between).
  WORKING_HOURS: z
    .string()
    .regex(
      new RegExp(`^${RANGE}(,${RANGE})*$`),
      'must look like 09:00-18:00, or 09:00-12:00,13:30-18:00 for a day with a lunch break',
    )
    .default('09:00-18:00'),
  // Older form of the breaks (lunch) inside a single WORKING_HOURS range: "12:00-13:00".
  WORKING_BREAKS: z
    .string()
    .regex(
      new RegExp(`^${RANGE}(,${RANGE})*$`),
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
  // Which part of the service this process runs (see startService): the web surface, the
  // workers and periodic duties, or both.
  SHOUWEN_ROLE: z
    .enum(['web', 'worker', 'all'], 'must be one of web, worker or all')
    .default('all'),
  // When set, /metrics answers only `Authorization: Bearer <token>`.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // A webhook this slow or slower is logged (warn) with where its time went; 0 logs none.
  SLOW_WEBHOOK_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1 to 32 of a-z, 0-9, _ and -')
    .default('shouwen'),
})

export type Env = z.input<typeof envSchema>

/** A primary watched by Redis Sentinel: asked of the sentinels, and followed when they fail over. */
export interface RedisSentinel {
  readonly sentinels: readonly { readonly host: string; readonly port: number }[]
  /** The master name the sentinels monitor (`sentinel monitor <name> …`). */
  readonly name: string
  /** AUTH for the primary and its replicas (requirepass), if set. */
  readonly password: string | undefined
  /** AUTH for the sentinels themselves (their requirepass), if set. */
  readonly sentinelPassword: string | undefined
}
/** web: webhooks, API, console. worker: dispatcher, return calls, periodic duties. all: both. */
export type Role = 'web' | 'worker' | 'all'

export interface Config {
  readonly role: Role
  readonly metrics: {
    /** A scrape of /metrics must carry this bearer token when set. */
    readonly token: string | undefined
    /** A webhook at least this slow is logged with where its time went; 0: none. */
    readonly slowWebhookMs: number
  }
  readonly http: {
    readonly port: number
    readonly host: string
    readonly publicBaseUrl: string
    readonly trustProxy: boolean
    /** Longest a client may take to send a whole request (headers and body): slow bodies are cut. */
    readonly requestTimeoutMs: number
  }
  /** Unset means "find or start a local one" (see src/infra/local-services.ts). */
  readonly db: { readonly url: string | undefined; readonly preparedStatements: boolean }
  readonly redis: {
    /** REDIS_URL. Unset, and no sentinels either: find or start a local Redis. */
    readonly url: string | undefined
    /** REDIS_SENTINELS and friends: the primary is whoever the sentinels name, followed on failover. */
    readonly sentinel: RedisSentinel | undefined
  }
  readonly localServicesDir: string
  readonly twilio:
    | {
        readonly mode: 'live'
        readonly accountSid: string
        readonly authToken: string
        /** Signs the browser softphone's Access Tokens; unset: agents use phones or their own clients. */
        readonly apiKey: { readonly sid: string; readonly secret: string } | undefined
        /** The TwiML App whose voice URL takes calls placed from the console's softphone. */
        readonly twimlAppSid: string | undefined
      }
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
    /** Turn new calls away while the oldest wait for a pooled connection is this long; 0: never. */
    readonly shedNewCallsAfterMs: number
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
  /** Offers in a row rung out (no answer, busy, unreachable) before an agent is set away; 0 = never. */
  readonly missedOffersBeforeAway: number
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
  /** Days old call legs and status receipts are kept (src/retention); 0: for ever. */
  readonly retention: {
    readonly callLegsDays: number
    readonly webhookReceiptsDays: number
    /** Days after a call its recordings are deleted at Twilio; 0: for ever. */
    readonly recordingsDays: number
  }
  /** Lifetime of an agent's softphone Access Token. */
  readonly voiceTokenTtlSeconds: number
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
  const day = e ? workingDay(e.WORKING_HOURS, e.WORKING_BREAKS) : undefined
  if (day && 'problem' in day) problems.push(day.problem)
  if (e) problems.push(...redisProblems(e))
  if (e) problems.push(...softphoneProblems(e))
  // Scripts that never call Twilio (migrate, services) run whatever role the process has.
  if (e && !opts.twilioOptional) problems.push(...roleProblems(e))
  if (!e || !day || 'problem' in day || problems.length > 0) throw new ConfigError(problems)

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  const twilio =
    e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
      ? {
          mode: 'live' as const,
          accountSid: e.TWILIO_ACCOUNT_SID,
          authToken: e.TWILIO_AUTH_TOKEN,
          apiKey:
            e.TWILIO_API_KEY_SID && e.TWILIO_API_KEY_SECRET
              ? { sid: e.TWILIO_API_KEY_SID, secret: e.TWILIO_API_KEY_SECRET }
              : undefined,
          twimlAppSid: e.TWILIO_TWIML_APP_SID,
        }
      : {
          mode: 'simulator' as const,
          accountSid: SIMULATOR_ACCOUNT_SID,
          authToken: `sim-${randomBytes(24).toString('base64url')}`,
          allowRemote: e.SIMULATOR_ALLOW_REMOTE,
        }

  return deepFreeze({
    role: e.SHOUWEN_ROLE,
    metrics: { token: e.METRICS_TOKEN, slowWebhookMs: e.SLOW_WEBHOOK_MS },
    http: {
      port: e.PORT,
      host: e.HOST,
      publicBaseUrl,
      trustProxy: e.TRUST_PROXY,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    },
    db: { url: e.DATABASE_URL, preparedStatements: e.DATABASE_PREPARED_STATEMENTS },
    redis: {
      url: e.REDIS_URL,
      sentinel:
        e.REDIS_SENTINELS && e.REDIS_SENTINEL_NAME
          ? {
              sentinels: e.REDIS_SENTINELS,
              name: e.REDIS_SENTINEL_NAME,
              password: e.REDIS_PASSWORD,
              sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
            }
          : undefined,
    },
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
      shedNewCallsAfterMs: e.SHED_NEW_CALLS_AFTER_MS,
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
    missedOffersBeforeAway: e.MISSED_OFFERS_BEFORE_AWAY,
    serviceLevel: {
      answerSeconds: e.SERVICE_LEVEL_SECONDS,
      shortAbandonSeconds: e.SERVICE_LEVEL_SHORT_ABANDON_SECONDS,
    },
    queuePrefix: e.QUEUE_PREFIX,
    retention: {
      callLegsDays: e.RETENTION_CALL_LEGS_DAYS,
      webhookReceiptsDays: e.RETENTION_WEBHOOK_RECEIPTS_DAYS,
      recordingsDays: e.RECORDING_RETENTION_DAYS,
    },
    voiceTokenTtlSeconds: e.VOICE_TOKEN_TTL_SECONDS,
    callbacks: {
      callingHours: { start: e.CALLING_HOURS.slice(0, 5), end: e.CALLING_HOURS.slice(6) },
      callingDays: e.CALLING_DAYS,
      workingHours: day.hours,
      workingBreaks: day.breaks,
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

/**
 * An API key is a pair; the softphone also needs the TwiML App. None of them means anything to
 * the simulator, whose phone lives in the page, so they are refused there rather than ignored.
 */
function softphoneProblems(e: {
  TWILIO_MODE?: 'live' | 'simulator' | undefined
  TWILIO_API_KEY_SID?: string | undefined
  TWILIO_API_KEY_SECRET?: string | undefined
  TWILIO_TWIML_APP_SID?: string | undefined
}): string[] {
  const sid = Boolean(e.TWILIO_API_KEY_SID)
  const secret = Boolean(e.TWILIO_API_KEY_SECRET)
  const app = Boolean(e.TWILIO_TWIML_APP_SID)
  if (e.TWILIO_MODE === 'simulator' && (sid || secret || app))
    return [
      'TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET, TWILIO_TWIML_APP_SID: the simulator does not use them; unset them, or set TWILIO_MODE=live',
    ]
  if (sid !== secret)
    return [
      'TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET: set both (an API key from the Twilio console or `npm run twilio:setup`) or neither',
    ]
  return []
}

/**
 * The simulator lives in one process and its REST edge is in memory: a worker elsewhere could
 * not place calls through it, and its webhooks would be signed with another process's token.
 * Split roles need the real Twilio (or, in tests, a fake of its HTTP edge).
 */
function roleProblems(e: {
  SHOUWEN_ROLE: Role
  TWILIO_MODE?: 'live' | 'simulator' | undefined
  TWILIO_ACCOUNT_SID?: string | undefined
  TWILIO_AUTH_TOKEN?: string | undefined
}): string[] {
  const simulator = e.TWILIO_MODE === 'simulator' || !(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN)
  if (e.SHOUWEN_ROLE === 'all' || !simulator) return []
  return [
    `SHOUWEN_ROLE: ${e.SHOUWEN_ROLE} needs the real Twilio account (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN); the local simulator runs inside one process, so use SHOUWEN_ROLE=all with it`,
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

type Range = { start: string; end: string }

function parseRanges(v: string | undefined): Range[] {
  return (v ? v.split(',') : []).map((r) => ({ start: r.slice(0, 5), end: r.slice(6) }))
}

/**
 * The working day from WORKING_HOURS: one range, or its stretches with the breaks between
 * them. WORKING_BREAKS (the older way to give breaks) still works beside a single range;
 * beside a list it is refused, since the two could disagree about the breaks.
 */
function workingDay(
  hours: string,
  breaks: string | undefined,
): { hours: Range; breaks: Range[] } | { problem: string } {
  const stretches = parseRanges(hours)
  for (const [i, s] of stretches.entries()) {
    const before = stretches[i - 1]
    if (!(s.start < s.end) || (before && !(before.end < s.start))) {
      return {
        problem: `WORKING_HOURS: ${hours} must list its stretches in order, each ending after it starts and with a break before the next (09:00-12:00,13:30-18:00)`,
      }
    }
  }
  const first = stretches[0]!
  const last = stretches.at(-1)!
  if (stretches.length > 1) {
    if (breaks) {
      return {
        problem: `WORKING_BREAKS: give the breaks in WORKING_HOURS alone (${hours} already has them); unset WORKING_BREAKS`,
      }
    }
    const gaps = stretches.slice(1).map((s, i) => ({ start: stretches[i]!.end, end: s.start }))
    return { hours: { start: first.start, end: last.end }, breaks: gaps }
  }
  let cursor = first.start
  for (const b of parseRanges(breaks)) {
    if (!(b.start > cursor && b.start < b.end && b.end < first.end)) {
      return {
        problem: `WORKING_BREAKS: ${breaks ?? ''} must lie inside WORKING_HOURS (${hours}), each after the one before, none touching the start or end`,
      }
    }
    cursor = b.end
  }
  return { hours: first, breaks: parseRanges(breaks) }
}

const SENTINEL_PORT = 26379

/**
 * `host:port,host:port` (IPv6 in brackets: `[::1]:26379`; the port defaults to Sentinel's 26379);
 * undefined when any entry is not one.
 */
function parseSentinels(v: string): { host: string; port: number }[] | undefined {
  const list: { host: string; port: number }[] = []
  for (const raw of v.split(',')) {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(raw.trim())
    const port = m?.[3] === undefined ? SENTINEL_PORT : Number(m[3])
    const host = m?.[1] ?? m?.[2]
    if (!host || port < 1 || port > 65535) return undefined
    list.push({ host, port })
  }
  return list
}

/**
 * One Redis or sentinels, never both: which one wins would be a guess, and a deployment that
 * meant to fail over must not quietly run on one fixed node. The sentinel settings only mean
 * something with sentinels; a password for one Redis goes in REDIS_URL.
 */
function redisProblems(e: {
  REDIS_URL?: string | undefined
  REDIS_SENTINELS?: unknown
  REDIS_SENTINEL_NAME?: string | undefined
  REDIS_SENTINEL_PASSWORD?: string | undefined
  REDIS_PASSWORD?: string | undefined
}): string[] {
  if (e.REDIS_SENTINELS) {
    const problems: string[] = []
    if (e.REDIS_URL)
      problems.push(
        'REDIS_URL, REDIS_SENTINELS: set one, not both: REDIS_URL for a single Redis, or REDIS_SENTINELS (with REDIS_SENTINEL_NAME) for a Redis that fails over',
      )
    if (!e.REDIS_SENTINEL_NAME)
      problems.push(
        "REDIS_SENTINEL_NAME: required with REDIS_SENTINELS: the master name in the sentinels' `sentinel monitor` line (e.g. mymaster)",
      )
    return problems
  }
  const stray = (['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD'] as const)
    .filter((k) => e[k] !== undefined)
    .map((k) =>
      k === 'REDIS_PASSWORD'
        ? 'REDIS_PASSWORD: used only with REDIS_SENTINELS; for a single Redis put the password in REDIS_URL (redis://:password@host:6379)'
        : `${k}: used only with REDIS_SENTINELS (the sentinels' host:port list); set it too, or unset ${k}`,
    )
  return stray
}
