import { Redis } from 'ioredis'

import type { Logger } from '../logger.ts'

/**
 * Producers fail fast (a webhook must not hang on a dead Redis: Postgres already holds the truth
 * and the dispatcher's sweep catches up); workers wait for Redis forever, as BullMQ requires.
 */
export function createRedis(url: string, role: 'producer' | 'worker', logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    lazyConnect: false,
  })
  redis.on('error', (err) => logger.warn({ err, role }, 'redis connection error'))
  return redis
}
