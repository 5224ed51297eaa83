import type { Config } from '../config.ts'
import { ensureDatabase, findOrStartServices } from './local-services.ts'

export const DEFAULT_DATABASE_NAME = 'shouwen'

/**
 * The URLs the service uses: the configured ones, or the embedded defaults (found or started,
 * with the `shouwen` database created on first use).
 */
export async function resolveDatabaseUrls(
  config: Config,
  say: (msg: string) => void,
): Promise<{ databaseUrl: string; redisUrl: string }> {
  const found = await findOrStartServices({
    dir: config.localServicesDir,
    databaseUrl: config.db.url,
    redisUrl: config.redis.url,
    say,
  })
  const databaseUrl =
    config.db.url ?? (await ensureDatabase(found.pgServerUrl, DEFAULT_DATABASE_NAME))
  return { databaseUrl, redisUrl: found.redisUrl }
}
