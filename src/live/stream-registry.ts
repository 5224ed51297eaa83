import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'

/** One open `/api/stream` connection: whose it is, by which token, and how to end it. */
export interface OpenStream {
  agentId: number
  tokenId: string
  /** Says why (an `end` event the console obeys by not reconnecting), then ends the response. */
  end: (reason: StreamEndReason) => void
}

/** Token no longer in force; too many streams of one agent (this was the oldest); shutting down. */
export type StreamEndReason = 'revoked' | 'replaced' | 'shutdown'

export interface StreamRegistry {
  /** Registers a stream; past the agent's cap, their oldest is ended. Returns the unregister. */
  add(s: OpenStream): () => void
  /** Ends this process's streams opened with a token (logout, revocation) at once. */
  endToken(tokenId: string): void
  /** Re-checks every open stream's token now (after revoking tokens the caller cannot name). */
  recheck(): Promise<void>
  /** Ends every stream (shutdown). */
  close(): void
}

/**
 * The process's open live streams. Logging out here ends them at once; a token revoked or
 * expired anywhere else (another instance, an administrator, the clock) is caught by a single
 * periodic re-check of all open tokens against Postgres, one query per beat, not per stream.
 */
export function makeStreamRegistry(o: {
  maxPerAgent: number
  recheckMs: number
  /** Of these token ids, the ones still in force. */
  liveTokenIds: (ids: string[]) => Promise<Set<string>>
  logger: Logger
}): StreamRegistry {
  // Insertion order is opening order, so the first of an agent's streams is their oldest.
  const open = new Set<OpenStream>()
  let timer: NodeJS.Timeout | undefined

  const forget = (s: OpenStream): boolean => {
    const was = open.delete(s)
    if (open.size === 0 && timer) {
      clearInterval(timer)
      timer = undefined
    }
    return was
  }
  const end = (s: OpenStream, reason: StreamEndReason) => {
    if (forget(s)) s.end(reason)
  }
  const recheck = async () => {
    const streams = [...open]
    if (streams.length === 0) return
    let live: Set<string>
    try {
      live = await o.liveTokenIds([...new Set(streams.map((s) => s.tokenId))])
    } catch (e) {
      // Postgres unreachable: keep the streams (they carry only hints) and try again next beat.
      o.logger.warn({ err: coerceError(e) }, 'could not re-check live stream tokens')
      return
    }
    for (const s of streams) if (!live.has(s.tokenId)) end(s, 'revoked')
  }

  return {
    add(s) {
      open.add(s)
      const mine = [...open].filter((x) => x.agentId === s.agentId)
      for (const old of mine.slice(0, Math.max(0, mine.length - o.maxPerAgent)))
        end(old, 'replaced')
      if (!timer) {
        timer = setInterval(() => void recheck(), o.recheckMs)
        timer.unref()
      }
      // The connection went away by itself: forget it without writing to it.
      return () => void forget(s)
    },
    endToken(tokenId) {
      for (const s of [...open]) if (s.tokenId === tokenId) end(s, 'revoked')
    },
    recheck,
    close() {
      for (const s of [...open]) end(s, 'shutdown')
    },
  }
}
