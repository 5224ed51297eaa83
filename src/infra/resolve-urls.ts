import type { Config } from '../config.ts'
import type { RedisTarget } from '../queues/connection.ts'
import { ensureDatabase, findOrStartLocalRedis, postgresServerUrl } from './local-services.ts'

export const DEFAULT_DATABASE_NAME = 'shouwen'

/**
 * Where Postgres and Redis are: the configured ones, or the embedded defaults (found or started,
 * with the `shouwen` database created on first use). With sentinels configured, Redis is
 * whichever primary they name: no local Redis is looked for or started, since one that happened
 * to answer would quietly take the place of the one that fails over.
 */
export async function resolveDatabaseUrls(
  config: Config,
  say: (msg: string) => void,
): Promise<{ databaseUrl: string; redis: RedisTarget }> {
  const dir = config.localServicesDir
  const pgServerUrl = await postgresServerUrl({ dir, databaseUrl: config.db.url, say })
  const databaseUrl = config.db.url ?? (await ensureDatabase(pgServerUrl, DEFAULT_DATABASE_NAME))
  const redis: RedisTarget =
    config.redis.sentinel ?? config.redis.url ?? (await findOrStartLocalRedis({ dir, say }))
  return { databaseUrl, redis }
}
