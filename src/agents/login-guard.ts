import type { Redis } from 'ioredis'
import ipaddr from 'ipaddr.js'
import { sql } from 'kysely'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'

import { notifyAgent } from '../callbacks/notifications.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError, coerceError, TooManyRequestsError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { findAgentByJobNumber } from './agents.repository.ts'

const ACCOUNT_WINDOW_SECONDS = 15 * 60
const ADDRESS_WINDOW_SECONDS = 60 * 60
// Guessing one job number from many addresses: locked everywhere past this many times the
// per-address limit in an hour. Lower would let anyone lock agents out from a few addresses.
const ANYWHERE_FACTOR = 10

export interface LoginGuard {
  /**
   * Runs `check` (the password check) unless the job number or the client address is locked,
   * counting a failure against both; a success resets the job number's count. Throws
   * TooManyRequestsError while locked, without running `check`.
   */
  attempt<T>(
    who: { jobNumber: string; address: string },
    check: () => Promise<T | undefined>,
  ): Promise<T | undefined>
}

/**
 * Failed-login limits in Redis (rate-limiter-flexible), shared by every instance: per job number
 * from one address (`maxFailuresPerAccount` in 15 min), per job number from anywhere (ten times
 * that in an hour, against guessing from many addresses), and per address (`maxFailuresPerAddress`
 * an hour). A job number is locked first for the address guessing it, so a stranger cannot lock
 * agents out of their own desks with a few wrong passwords. IPv6 addresses count per /64, the
 * block one subscriber usually holds. An attempt is counted before the password is checked, so N
 * guesses sent at once still get at most N checks; a success gives its points back. Reaching a
 * limit locks for `blockSeconds`; an agent's locked job number is told to the hotlines' duty
 * supervisors (a notification on their board, sent by SMS too), and every lock is logged.
 */
export function makeLoginGuard(o: {
  redis: Redis
  keyPrefix: string
  maxFailuresPerAccount: number
  maxFailuresPerAddress: number
  blockSeconds: number
  db: Db
  clock: Clock
  logger: Logger
}): LoginGuard {
  const limiter = (name: string, points: number, duration: number) =>
    new RateLimiterRedis({
      storeClient: o.redis,
      keyPrefix: `${o.keyPrefix}:login-failures:${name}`,
      points,
      duration,
      // A dead Redis answers at once instead of queueing the login behind a reconnect.
      rejectIfRedisNotReady: true,
    })
  const pair = limiter('account', o.maxFailuresPerAccount, ACCOUNT_WINDOW_SECONDS)
  const anywhere = limiter(
    'account-anywhere',
    o.maxFailuresPerAccount * ANYWHERE_FACTOR,
    ADDRESS_WINDOW_SECONDS,
  )
  const address = limiter('address', o.maxFailuresPerAddress, ADDRESS_WINDOW_SECONDS)
  const minutes = Math.ceil(o.blockSeconds / 60)

  const lock = async (l: RateLimiterAbstract, key: string, what: 'account' | 'address') => {
    await l.block(key, o.blockSeconds)
    o.logger.warn({ [what]: key, blockSeconds: o.blockSeconds }, 'login locked after failures')
  }

  return {
    async attempt(who, check) {
      const from = addressKey(who.address)
      const byAddress = await take(address, from, 'this address')
      let byPair: RateLimiterRes
      let byAccount: RateLimiterRes
      try {
        byPair = await take(pair, `${who.jobNumber}|${from}`, `job number ${who.jobNumber}`)
        try {
          byAccount = await take(anywhere, who.jobNumber, `job number ${who.jobNumber}`)
        } catch (e) {
          await pair.reward(`${who.jobNumber}|${from}`, 1).catch(() => {})
          throw e
        }
      } catch (e) {
        // No password was checked: the address keeps its point.
        await address.reward(from, 1).catch(() => {})
        throw e
      }
      const found = await check()
      await settle(o.logger, async () => {
        if (found !== undefined) {
          await Promise.all([
            pair.delete(`${who.jobNumber}|${from}`),
            anywhere.reward(who.jobNumber, 1),
            address.reward(from, 1),
          ])
          return
        }
        const lockedHere = byPair.remainingPoints === 0
        const lockedEverywhere = byAccount.remainingPoints === 0
        if (lockedHere) await lock(pair, `${who.jobNumber}|${from}`, 'account')
        if (lockedEverywhere) await lock(anywhere, who.jobNumber, 'account')
        // Only real agents' locks reach supervisors (and their SMS): guessed job numbers
        // would let anyone flood them; those locks are in the log.
        if ((lockedHere || lockedEverywhere) && (await findAgentByJobNumber(o.db, who.jobNumber))) {
          const where = lockedEverywhere ? 'from every address' : `from ${from}`
          const body = `Login to job number ${who.jobNumber} locked ${where} for ${minutes} min after repeated failed attempts.`
          await notifySupervisors(o, 'login_locked', body)
        }
        // An address block is logged only: each new address would be another notification.
        if (byAddress.remainingPoints === 0) await lock(address, from, 'address')
      })
      return found
    },
  }
}

/** Counts one attempt; refuses with Retry-After when over the limit, 503 when Redis is away. */
async function take(l: RateLimiterRedis, key: string, what: string): Promise<RateLimiterRes> {
  try {
    return await l.consume(key, 1)
  } catch (e) {
    if (e instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000))
      throw new TooManyRequestsError(
        `too many failed logins for ${what}; try again in ${seconds} s`,
        seconds,
      )
    }
    // Fail closed: without the counter, guessing would run at full speed again. Sessions
    // already open keep working (they are checked against Postgres, not Redis).
    throw new AppError('unavailable', 'login is unavailable for a moment (Redis unreachable)', {
      cause: e,
    })
  }
}

/** After the answer is decided: bookkeeping that fails is logged, never turned into a 500. */
async function settle(logger: Logger, f: () => Promise<void>): Promise<void> {
  try {
    await f()
  } catch (e) {
    logger.warn({ err: coerceError(e) }, 'login limit bookkeeping failed')
  }
}

async function notifySupervisors(
  deps: { db: Db; clock: Clock; logger: Logger },
  kind: string,
  body: string,
): Promise<void> {
  const supervisors = await deps.db
    .selectFrom('hotlines')
    .innerJoin('agents', 'agents.id', 'hotlines.duty_supervisor_id')
    .select(sql<number>`distinct agents.id`.as('id'))
    .where('agents.active', '=', true)
    .execute()
  for (const s of supervisors) {
    await notifyAgent(deps, { agentId: s.id, caseId: null, kind, body })
  }
}

/** The key an address is counted under: IPv4 as it is, IPv6 by its /64. */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const a = ipaddr.process(ip)
  if (a.kind() === 'ipv4') return a.toString()
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4)
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`
}
