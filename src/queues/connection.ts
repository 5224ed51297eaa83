import type { RedisOptions } from 'ioredis'
import { Redis } from 'ioredis'

import type { RedisSentinel } from '../config.ts'
import type { Logger } from '../logger.ts'

/** Where Redis is: a `redis://` URL, or a primary watched by Redis Sentinel. */
export type RedisTarget = string | RedisSentinel

/**
 * A producer's command that gets no answer in this long fails, so no single Redis command holds a
 * webhook or an API call longer. A healthy Redis answers in a millisecond or so, bulk adds too.
 */
export const PRODUCER_COMMAND_TIMEOUT_MS = 2000

/**
 * Every ioredis connection of the service is made here, so each one follows a failover.
 *
 * Producers fail fast (a webhook must not hang on a dead Redis: Postgres already holds the truth
 * and the dispatcher's sweep and the reconciler catch up): no offline queue, so while Redis is
 * unreachable (a primary gone, sentinels electing another) a command fails at once rather than
 * wait for a connection; and a time limit, for a primary that is there but does not answer
 * (frozen, cut off), which the sentinels take seconds to call down. Workers wait for Redis
 * forever, as BullMQ requires. Every connection keeps reconnecting, asking the sentinels each
 * time, and is back as soon as they name the new primary.
 */
export function createRedis(
  target: RedisTarget,
  role: 'producer' | 'worker',
  logger: Logger,
): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    ...(role === 'producer' ? { commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS } : {}),
    lazyConnect: false,
    // A primary demoted under an open connection (an old primary back as a replica; a managed
    // Redis that fails over behind one address) answers writes with READONLY: reconnect to
    // the primary of now and send the command again there.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  }
  const redis =
    typeof target === 'string'
      ? new Redis(target, options)
      : new Redis(sentinelOptions(target, options))
  redis.on('error', (err) => logger.warn({ err, role }, 'redis connection error'))
  return redis
}

function sentinelOptions(s: RedisSentinel, options: RedisOptions = {}): RedisOptions {
  return {
    ...options,
    sentinels: s.sentinels.map((x) => ({ host: x.host, port: x.port })),
    name: s.name,
    // Only the primary takes writes; ioredis checks the role of the node it reached (INFO) and
    // asks the sentinels again when it is a replica.
    role: 'master',
    password: s.password,
    sentinelPassword: s.sentinelPassword,
    // Follow a failover the moment a sentinel announces it (+switch-master), not only when the
    // old primary's connection breaks: a primary cut off but alive would otherwise keep our
    // connections (and the commands on them) until TCP gives up.
    failoverDetector: true,
  }
}
