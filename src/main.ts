import type { Server, ServerOptions } from 'node:http'
import { createServer } from 'node:http'

import { reconcileCallbacks } from './callbacks/reconciler.ts'
import { findCaseOfCall } from './calls/calls.repository.ts'
import { ConfigError, loadConfig } from './config.ts'
import type { AppContext, ContextOptions } from './context.ts'
import { createAppContext, simulatorDirectory } from './context.ts'
import { migrateToLatest } from './db/migrate.ts'
import { coerceError } from './errors.ts'
import { createApp } from './http/app.ts'
import { createWorkerApp } from './http/worker-app.ts'
import { resolveDatabaseUrls } from './infra/resolve-urls.ts'
import { loadPromptOverrides, refreshPromptOverrides } from './ivr-prompts/ivr-prompts.ts'
import { createLogger } from './logger.ts'
import { removeLegacySchedulers } from './queues/callbacks.queue.ts'
import { simulatorExposure } from './telephony/simulator/exposure.ts'
import { createSimulatorRouter } from './telephony/simulator/simulator.routes.ts'

/**
 * Composition root: config → services → context → http + workers → graceful shutdown. The role
 * (SHOUWEN_ROLE) decides which halves run: `web` serves webhooks, the API and the console;
 * `worker` runs the queue workers and the periodic duties and serves only health and metrics;
 * `all` does both. Every role migrates, so whichever starts first brings the schema up.
 */
export async function startService(
  env: Record<string, string | undefined> = process.env,
  overrides: Pick<ContextOptions, 'simulatorTimings' | 'twilioHttpClient'> = {},
): Promise<{ server: Server; ctx: AppContext; stop: () => Promise<void> }> {
  const config = loadConfig(env)
  // Before anything is opened: a refused start leaves no pool, socket or port behind.
  const exposed = simulatorExposure(config)
  if (exposed) throw exposed
  const logger = createLogger({ level: config.log.level })
  const { databaseUrl, redis } = await resolveDatabaseUrls(config, (msg) => logger.info(msg))
  const ctx = createAppContext(config, { databaseUrl, redis, logger, ...overrides })
  const ran = await migrateToLatest(ctx.db)
  if (ran.length) logger.info({ migrations: ran }, 'database migrated')
  // The administrators' time limits and calendar overrides, before the first call needs them.
  await ctx.limitSettings.load()
  // Administrators' wording of the IVR prompts; other instances' changes arrive on a beat.
  await loadPromptOverrides(ctx.db)
  const stopPromptRefresh = refreshPromptOverrides(ctx.db, (err) =>
    logger.warn({ err }, 'ivr prompts not refreshed'),
  )

  let shuttingDown = false
  const isShuttingDown = () => shuttingDown
  const web = config.role !== 'worker'
  const work = config.role !== 'web'
  const sim = ctx.simulator
  const app = web ? webApp(ctx, sim, isShuttingDown) : createWorkerApp(ctx, { isShuttingDown })
  const server = createServer(serverTimeouts(config.http.requestTimeoutMs), app)
  server.listen(config.http.port, config.http.host)
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  )
  if (work) {
    ctx.startWorkers()
    await removeLegacySchedulers({ callbacks: ctx.callbacksQueue, acd: ctx.acdQueue })
    // Callbacks live in Postgres; rebuild their jobs now (Redis may have been wiped), then the
    // beats (kept in Postgres, so a wiped Redis stops none of them) do it again periodically.
    await reconcileCallbacks(ctx)
    ctx.startBeats()
  }
  logger.info(
    { url: config.http.publicBaseUrl, twilio: config.twilio.mode, role: config.role },
    config.twilio.mode === 'simulator'
      ? 'shouwen is up with the local Twilio simulator: run `npm run simulate` in another terminal'
      : 'shouwen is up',
  )

  const stop = async () => {
    if (shuttingDown) return
    shuttingDown = true
    stopPromptRefresh()
    logger.info('shutting down: no new webhooks, finishing jobs in hand')
    const hardExit = setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs)
    hardExit.unref()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeIdleConnections()
      // Open live streams never go idle: end them, or the close waits for the hard exit.
      ctx.streams.close()
    })
    await ctx.close()
    clearTimeout(hardExit)
    logger.info('stopped')
  }
  return { server, ctx, stop }
}

/** Webhooks, API and console; in simulator mode also the simulator's control API. */
function webApp(ctx: AppContext, sim: AppContext['simulator'], isShuttingDown: () => boolean) {
  return createApp(ctx, {
    isShuttingDown,
    extraRouters: sim
      ? [
          [
            '/simulator',
            createSimulatorRouter(sim, {
              directory: () => simulatorDirectory(ctx.db),
              caseOfCall: (callSid) => findCaseOfCall(ctx.db, callSid),
            }),
          ],
        ]
      : [],
  })
}

/**
 * A client that trickles its headers or body holds a socket and a parser; past these limits it is
 * cut off (408). Streams we send (SSE) are not affected: the limits cover receiving the request.
 */
export function serverTimeouts(requestTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(10_000, requestTimeoutMs),
    // Node checks the limits on this beat (30 s by default, which would let a 1-s limit run 30 s).
    connectionsCheckingInterval: Math.min(5_000, Math.ceil(requestTimeoutMs / 2)),
    // Idle keep-alive sockets go after 5 s: a graceful stop waits for them, so not longer (a
    // load balancer in front should keep its idle timeout below this, or retry).
    keepAliveTimeout: 5_000,
  }
}

if (import.meta.main) {
  try {
    const { stop } = await startService()
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        stop().then(
          () => (process.exitCode = 0),
          () => (process.exitCode = 1),
        )
      })
    }
  } catch (e) {
    const err = coerceError(e)
    // Startup errors go to stderr plainly: the operator reads them, not a log pipeline.
    process.stderr.write(
      `shouwen could not start: ${err instanceof ConfigError ? err.message : err.message}\n`,
    )
    // Open pools and sockets would keep a half-started process alive; a supervisor must see it die.
    process.exit(1)
  }
}
