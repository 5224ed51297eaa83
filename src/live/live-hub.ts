import pg from 'pg'

import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'

/** A hint that something changed (see migration 000900); screens fetch the rest. */
export type LiveHint =
  | {
      t: 'case_event'
      caseId: string
      type: string
      firstOwnerId: number | null
      actorAgentId: number | null
    }
  | { t: 'notification'; agentId: number; kind: string }
  | { t: 'offer'; offerId: string; agentId: number; status: string }
  | { t: 'presence'; agentId: number; presence: string }
  | { t: 'call'; queueState: string }

export interface LiveHub {
  subscribe(listener: (hint: LiveHint) => void): () => void
  close(): Promise<void>
}

const CHANNEL = 'shouwen_live'
const RETRY_MS = 2000

/**
 * One LISTEN connection per process, opened when the first browser subscribes, shared by all:
 * NOTIFY reaches every instance, so a change on one shows on screens served by another.
 */
export function createLiveHub(databaseUrl: string, logger: Logger): LiveHub {
  const listeners = new Set<(hint: LiveHint) => void>()
  let client: pg.Client | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined

  const connect = async () => {
    if (client || closed) return
    const c = new pg.Client({ connectionString: databaseUrl })
    client = c
    c.on('notification', (m) => {
      if (m.channel !== CHANNEL || !m.payload) return
      const hint = JSON.parse(m.payload) as LiveHint
      for (const l of listeners) l(hint)
    })
    c.on('error', (e) => {
      logger.warn({ err: e }, 'live updates connection lost; reconnecting')
      drop(c)
    })
    try {
      await c.connect()
      await c.query(`listen ${CHANNEL}`)
    } catch (e) {
      logger.warn({ err: coerceError(e) }, 'live updates unavailable; retrying')
      drop(c)
    }
  }
  const drop = (c: pg.Client) => {
    if (client === c) client = undefined
    void c.end().catch(() => {})
    if (!closed && listeners.size > 0 && !retry) {
      retry = setTimeout(() => {
        retry = undefined
        void connect()
      }, RETRY_MS)
    }
  }

  return {
    subscribe(listener) {
      listeners.add(listener)
      void connect()
      return () => listeners.delete(listener)
    },
    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      listeners.clear()
      await client?.end().catch(() => {})
      client = undefined
    },
  }
}
