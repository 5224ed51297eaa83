import type { Db } from '../db/database.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { HintCursor } from './hint-cursor.ts'
import { advance, startCursor, wanted } from './hint-cursor.ts'
import { lastHintId, readHints } from './live-hints.repository.ts'

/** A hint that something changed (see migration 008800); screens fetch the rest. */
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

// Twice a second: a screen follows within half a second, and an instance with open consoles
// asks Postgres one indexed question per beat, however many consoles and however busy the day.
export const LIVE_POLL_MS = 500
const BATCH = 1_000

/**
 * Reads the `live_hints` table for every browser this process serves, while at least one is
 * subscribed. Triggers write the hints in the transactions that make the changes, so every
 * instance sees every change, from whichever instance made it, once it is committed.
 */
export function createLiveHub(
  db: Db,
  logger: Logger,
  o: { pollMs?: number; now?: () => number } = {},
): LiveHub {
  const listeners = new Set<(hint: LiveHint) => void>()
  const now = o.now ?? Date.now
  let cursor: HintCursor | undefined
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let failing = false

  const read = async () => {
    cursor ??= startCursor(await lastHintId(db))
    for (;;) {
      const rows = await readHints(db, { ...wanted(cursor), limit: BATCH })
      const { deliver, cursor: next } = advance(
        cursor,
        rows.map((r) => r.id),
        now(),
      )
      cursor = next
      for (const r of rows) {
        if (!deliver.has(r.id)) continue
        for (const l of listeners) l(r.hint as LiveHint)
      }
      if (rows.length < BATCH) return
    }
  }
  const poll = async () => {
    try {
      await read()
      if (failing) logger.info('live updates back')
      failing = false
    } catch (e) {
      // Postgres unreachable: screens keep what they have; the next beat tries again.
      if (!failing) logger.warn({ err: coerceError(e) }, 'live updates unavailable; retrying')
      failing = true
    }
  }
  const tick = () => {
    timer = undefined
    if (listeners.size === 0) return
    running = poll().finally(() => {
      running = undefined
      if (listeners.size > 0 && !timer) schedule()
    })
  }
  const schedule = () => {
    timer = setTimeout(tick, o.pollMs ?? LIVE_POLL_MS)
    timer.unref()
  }

  return {
    subscribe(listener) {
      listeners.add(listener)
      if (!timer && !running) {
        // A reader that was idle starts from now: screens refetch everything when they open.
        cursor = undefined
        tick()
      }
      return () => listeners.delete(listener)
    },
    async close() {
      listeners.clear()
      if (timer) clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}
