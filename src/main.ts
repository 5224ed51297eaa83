import type { Server } from 'node:http'

import { reconcileCallbacks } from './callbacks/reconciler.ts'
import { ConfigError, loadConfig } from './config.ts'
import type { AppContext, ContextOptions } from './context.ts'
import { createAppContext, simulatorDirectory } from './context.ts'
import { migrateToLatest } from './db/migrate.ts'
import { coerceError } from './errors.ts'
import { createApp } from './http/app.ts'
import { resolveDatabaseUrls } from './infra/resolve-urls.ts'
import { loadPromptOverrides, refreshPromptOverrides } from './ivr-prompts/ivr-prompts.ts'
import { createLogger } from './logger.ts'
import { scheduleSweep } from './queues/acd.queue.ts'
import { scheduleReconciler } from './queues/callbacks.queue.ts'
import { createSimulatorRouter } from './telephony/simulator/simulator.routes.ts'

/** Composition root: config → services → context → http + workers → graceful shutdown. */
export async function startService(
  env: Record<string, string | undefined> = process.env,
  overrides: Pick<ContextOptions, 'simulatorTimings'> = {},
): Promise<{ server: Server; ctx: AppContext; stop: () => Promise<void> }> {
  const config = loadConfig(env)
  const logger = createLogger({ level: config.log.level })
  const { databaseUrl, redisUrl } = await resolveDatabaseUrls(config, (msg) => logger.info(msg))
  const ctx = createAppContext(config, { databaseUrl, redisUrl, logger, ...overrides })
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
  const sim = ctx.simulator
  const app = createApp(ctx, {
    isShuttingDown: () => shuttingDown,
    extraRouters: sim
      ? [
          [
            '/simulator',
            createSimulatorRouter(sim, { directory: () => simulatorDirectory(ctx.db) }),
          ],
        ]
      : [],
  })
  const server = app.listen(config.http.port, config.http.host)
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  )
  ctx.startWorkers()
  await scheduleSweep(ctx.acdQueue, config.dispatchSweepMs)
  // Callbacks live in Postgres; rebuild their jobs now (Redis may have been wiped) and on a beat.
  await reconcileCallbacks(ctx)
  await scheduleReconciler(ctx.callbacksQueue, config.callbacks.reconcileEveryMs)
  logger.info(
    { url: config.http.publicBaseUrl, twilio: config.twilio.mode },
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
    })
    await ctx.close()
    clearTimeout(hardExit)
    logger.info('stopped')
  }
  return { server, ctx, stop }
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
