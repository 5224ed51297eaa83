import { randomUUID } from 'node:crypto'
import os from 'node:os'

import type { Worker } from 'bullmq'
import type { Redis } from 'ioredis'

import { listAgents } from './agents/agents.repository.ts'
import { liveTokenIds } from './agents/api-tokens.repository.ts'
import type { BeatRunner } from './beats/beat-runner.ts'
import { startBeats } from './beats/beat-runner.ts'
import { periodicDuties } from './beats/duties.ts'
import type { CallbackDeps } from './callbacks/deps.ts'
import type { Clock, DispatchDeps, Triggers } from './calls/deps.ts'
import { systemClock } from './calls/deps.ts'
import { listHotlines } from './calls/directory.repository.ts'
import { createDirectoryCache } from './calls/directory-cache.ts'
import { createInboundRecorder } from './calls/inbound-recorder.ts'
import type { Config } from './config.ts'
import type { Db } from './db/database.ts'
import { createDb } from './db/database.ts'
import { listDepartments } from './directory/departments.repository.ts'
import { nextCallingMoment } from './domain/calendar/calling-hours.ts'
import type { WorkingCalendar } from './domain/calendar/working-calendar.ts'
import { DEFAULT_RETRY_POLICY } from './domain/callback-policy.ts'
import { dutyAddress } from './domain/department-duty.ts'
import { makeLimitSettings } from './limit-settings/limit-settings.ts'
import type { LiveHub } from './live/live-hub.ts'
import { createLiveHub } from './live/live-hub.ts'
import type { StreamRegistry } from './live/stream-registry.ts'
import { makeStreamRegistry } from './live/stream-registry.ts'
import type { Logger } from './logger.ts'
import { registerLiveGauges } from './metrics/live-gauges.ts'
import { liveSources } from './metrics/live-sources.ts'
import { createMetrics } from './metrics/metrics.ts'
import { instrumentEdge } from './metrics/twilio-edge.ts'
import type { AcdQueue } from './queues/acd.queue.ts'
import { createAcdQueue, createTriggers } from './queues/acd.queue.ts'
import { createAcdWorker } from './queues/acd.worker.ts'
import type { CallbacksQueue } from './queues/callbacks.queue.ts'
import { createCallbackScheduler, createCallbacksQueue } from './queues/callbacks.queue.ts'
import { createCallbacksWorker } from './queues/callbacks.worker.ts'
import type { RedisTarget } from './queues/connection.ts'
import { createRedis } from './queues/connection.ts'
import type { Simulator } from './telephony/simulator/simulator.ts'
import { createSimulator } from './telephony/simulator/simulator.ts'
import type { EdgeHttpClient, Telephony } from './telephony/telephony.ts'
import { createTwilioTelephony, twilioRequestClient } from './telephony/telephony.ts'
import type { VoicePaths } from './voice/paths.ts'
import { createVoicePaths } from './voice/paths.ts'

/** Everything the service is made of, built once here; tests override the parts they control. */
export interface AppContext extends DispatchDeps, CallbackDeps {
  paths: VoicePaths
  calendar: WorkingCalendar
  callbacksQueue: CallbacksQueue
  producer: Redis
  acdQueue: AcdQueue
  queuePrefix: string
  telephony: Telephony
  simulator: Simulator | undefined
  /** Change hints for the web console (Postgres LISTEN/NOTIFY). */
  live: LiveHub
  /** This process's open live streams: ended on logout, capped per agent, tokens re-checked. */
  streams: StreamRegistry
  triggers: Triggers
  startWorkers(): Worker[]
  /** The periodic duties' beats (src/beats), from Postgres; stopped by `close()`. */
  startBeats(): BeatRunner
  close(): Promise<void>
}

export interface ContextOptions {
  databaseUrl: string
  /** A `redis://` URL, or the sentinels of a Redis that fails over. */
  redis: RedisTarget
  logger: Logger
  clock?: Clock
  /** BullMQ key prefix; tests use one per file so queues never collide. */
  queuePrefix?: string
  /** Replaces Twilio's HTTP edge (tests); the official client still builds every request. */
  twilioHttpClient?: EdgeHttpClient
  simulatorTimings?: Parameters<typeof createSimulator>[0]['timings']
  dbPoolSize?: number
  /** Shorter job locks, so a test sees a killed worker's job picked up in seconds. */
  workerLockDurationMs?: number
}

export function createAppContext(config: Config, o: ContextOptions): AppContext {
  const logger = o.logger
  // This process's registry: every instrument below and the scrape-time gauges live on it.
  const metrics = createMetrics()
  const db: Db = createDb({
    url: o.databaseUrl,
    logger: logger.child({ component: 'db' }),
    max: o.dbPoolSize,
    preparedStatements: config.db.preparedStatements,
  })
  const producer = createRedis(o.redis, 'producer', logger)
  const queuePrefix = o.queuePrefix ?? config.queuePrefix
  const acdQueue = createAcdQueue(producer, queuePrefix)
  acdQueue.on('error', (err) => logger.warn({ err }, 'acd queue error'))
  const triggers = createTriggers(acdQueue, logger)
  const paths = createVoicePaths(config.http.publicBaseUrl)

  const simulator =
    config.twilio.mode === 'simulator' && !o.twilioHttpClient
      ? createSimulator({
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          logger: logger.child({ component: 'simulator' }),
          // Simulated hold music lasts as long as the real clip, so progress messages keep time.
          timings: { playMs: config.voice.holdProgressSeconds * 1000, ...o.simulatorTimings },
          // Every hotline in the database rings our own webhooks, as a Twilio number would.
          resolveNumber: () => ({ voiceUrl: paths.incoming, statusCallback: paths.status }),
        })
      : undefined
  const telephony = createTwilioTelephony({
    mode: config.twilio.mode,
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    // Whichever edge carries the requests (Twilio, the simulator, a test's fake), it is timed.
    httpClient: instrumentEdge(
      o.twilioHttpClient ?? simulator?.httpClient ?? twilioRequestClient(),
      metrics,
    ),
  })

  const clock = o.clock ?? systemClock
  const live = createLiveHub(o.databaseUrl, logger.child({ component: 'live' }))
  const streams = makeStreamRegistry({
    maxPerAgent: config.stream.maxPerAgent,
    recheckMs: config.stream.recheckSeconds * 1000,
    liveTokenIds: (ids) => liveTokenIds(db, ids, clock.now()),
    logger: logger.child({ component: 'streams' }),
  })
  const callbacksQueue = createCallbacksQueue(producer, queuePrefix)
  callbacksQueue.on('error', (err) => logger.warn({ err }, 'callbacks queue error'))
  const cb = config.callbacks
  // Administrators' policies and calendar overrides, from Postgres: `load()` them once migrated.
  const limitSettings = makeLimitSettings({
    db,
    logger: logger.child({ component: 'limit-settings' }),
    calendar: {
      timeZone: config.timeZone,
      workingHours: cb.workingHours,
      breaks: cb.workingBreaks,
    },
  })
  const calendar = limitSettings.calendar
  const callingHours = { ...cb.callingHours, daysAllowed: cb.callingDays }

  registerLiveGauges(metrics, liveSources(db, { acd: acdQueue, callbacks: callbacksQueue }), {
    logger: logger.child({ component: 'metrics' }),
  })

  const workers: Worker[] = []
  const beats: BeatRunner[] = []
  const workerRedis: Redis[] = []
  const ctx: AppContext = {
    config,
    logger,
    metrics,
    db,
    clock,
    calendar,
    limitSettings,
    callbacksQueue,
    scheduler: createCallbackScheduler(callbacksQueue, clock),
    callingHours: {
      nextCallingMoment: (at) => nextCallingMoment(at, callingHours, config.timeZone, calendar),
    },
    retryPolicy: {
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: cb.maxAttempts,
      minGapMinutes: cb.minGapMinutes,
    },
    newId: randomUUID,
    paths,
    producer,
    acdQueue,
    queuePrefix,
    telephony,
    simulator,
    triggers,
    directory: createDirectoryCache(db),
    live,
    streams,
    inboundRecorder: createInboundRecorder(db),
    startWorkers() {
      const connection = createRedis(o.redis, 'worker', logger)
      workerRedis.push(connection)
      const acd = createAcdWorker({
        connection,
        prefix: queuePrefix,
        deps: ctx,
        logger: logger.child({ component: 'acd' }),
      })
      const cbConnection = createRedis(o.redis, 'worker', logger)
      workerRedis.push(cbConnection)
      const cb = createCallbacksWorker({
        connection: cbConnection,
        prefix: queuePrefix,
        deps: ctx,
        logger: logger.child({ component: 'callbacks' }),
        lockDurationMs: o.workerLockDurationMs,
        concurrency: config.callbacks.workerConcurrency,
        dialBatch: config.callbacks.dialBatch,
        maxDialsInFlight: config.callbacks.dialsInFlight,
      })
      workers.push(acd, cb)
      return [acd, cb]
    },
    startBeats() {
      const runner = startBeats({
        db,
        logger: logger.child({ component: 'beats' }),
        runner: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        duties: periodicDuties(ctx, {
          dispatchSweepMs: config.dispatchSweepMs,
          reconcileEveryMs: config.callbacks.reconcileEveryMs,
          deadlineSweepMs: config.deadlineSweepMs,
          retention: config.retention,
        }),
      })
      beats.push(runner)
      return runner
    },
    async close() {
      // Order matters: finish jobs in hand, then drop the queue, then Redis, then Postgres.
      await Promise.allSettled(beats.map((b) => b.stop()))
      await Promise.allSettled(workers.map((w) => w.close()))
      await simulator?.close()
      streams.close()
      await live.close()
      await acdQueue.close().catch(() => {})
      await callbacksQueue.close().catch(() => {})
      for (const r of [...workerRedis, producer]) await r.quit().catch(() => r.disconnect())
      await db.destroy()
    },
  }
  return ctx
}

/** What the simulator's terminal and browser clients list: hotlines to call, agents to play. */
export async function simulatorDirectory(db: Db) {
  const [hotlines, agents, departments] = await Promise.all([
    listHotlines(db),
    listAgents(db),
    listDepartments(db),
  ])
  return {
    hotlines: hotlines.map((h) => ({ number: h.phoneNumber, name: h.name, language: h.language })),
    agents: agents.map((a) => ({
      jobNumber: a.jobNumber,
      name: a.name,
      address: a.clientIdentity ? `client:${a.clientIdentity}` : (a.phoneNumber ?? ''),
    })),
    departments: departments.map((d) => ({
      code: d.code,
      name: d.nameEn ? `${d.nameEn} ${d.name}` : d.name,
      people: d.people
        .filter((p) => p.active)
        .map((p) => ({ id: p.id, name: p.name, address: dutyAddress(p), onDuty: p.onDuty })),
    })),
  }
}
