import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { deleteOldLegCalls, deleteOldOffers, deleteOldReceipts } from './retention.repository.ts'

export interface RetentionSettings {
  /** Days agent/department legs and agent_offers rows are kept; 0 keeps them for ever. */
  readonly callLegsDays: number
  /** Days status-callback receipts are kept; 0 keeps them for ever. */
  readonly webhookReceiptsDays: number
}

export interface RetentionResult {
  receipts: number
  offers: number
  legs: number
  /** True when the time budget ran out with rows left: the next beat goes on. */
  more: boolean
}

const DAY_MS = 24 * 3600 * 1000

/**
 * Deletes what has outlived its use, in batches, until nothing expired is left or `budgetMs` is
 * spent (the next beat carries on). What goes, and why nothing a rate or a timeline needs does:
 * - status_receipts: only the key that drops a retried status callback; Twilio retries within
 *   minutes, and call statuses only move forward anyway;
 * - agent_offers and the calls rows of kind agent_offer / department: who was rung, and each
 *   ring's Twilio leg. The first owner, the timeline (case_events), transfers, the service level
 *   (the caller's own call row) and the rates (cases, clocks, return calls) live elsewhere.
 */
export async function runRetention(
  deps: { db: Db; clock: Clock; retention: RetentionSettings },
  o: { batchSize?: number; budgetMs?: number } = {},
): Promise<RetentionResult> {
  const batch = o.batchSize ?? 5000
  const deadline = Date.now() + (o.budgetMs ?? 20_000)
  const now = deps.clock.now().getTime()
  const out: RetentionResult = { receipts: 0, offers: 0, legs: 0, more: false }
  const drain = async (
    days: number,
    key: 'receipts' | 'offers' | 'legs',
    del: (db: Db, before: Date, limit: number) => Promise<number>,
  ) => {
    if (days === 0) return
    const before = new Date(now - days * DAY_MS)
    for (;;) {
      if (Date.now() >= deadline) {
        out.more = true
        return
      }
      const n = await del(deps.db, before, batch)
      out[key] += n
      if (n < batch) return
    }
  }
  await drain(deps.retention.webhookReceiptsDays, 'receipts', deleteOldReceipts)
  // Offers first: they name the caller's call, not the leg, but go together with the legs.
  await drain(deps.retention.callLegsDays, 'offers', deleteOldOffers)
  await drain(deps.retention.callLegsDays, 'legs', deleteOldLegCalls)
  return out
}
