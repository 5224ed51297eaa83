// The callers the day counts as misses (queued while an agent was free, not answered within
// 15 s), each traced in Postgres: when the service rang whom, and what became of each ring.
import type { Db } from '../../src/db/database.ts'
import type { CallerRecord } from './report.ts'

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** One line per miss (at most `limit`), times in seconds from the caller's queueing. */
export async function traceMisses(
  db: Db,
  missed: CallerRecord[],
  o: { dayStart: number; limit: number },
): Promise<string[]> {
  const lines: string[] = []
  for (const c of missed.slice(0, o.limit)) {
    if (!c.sid || c.queuedAt === undefined) continue
    const queued = c.queuedAt
    const call = await db
      .selectFrom('calls')
      .select(['first_enqueued_at', 'first_answered_at', 'queue_state', 'status', 'ended_at'])
      .where('call_sid', '=', c.sid)
      .executeTakeFirst()
    const offers = await db
      .selectFrom('agent_offers as o')
      .innerJoin('agents as a', 'a.id', 'o.agent_id')
      .select([
        'a.job_number',
        'o.wave',
        'o.status',
        'o.created_at',
        'o.answered_at',
        'o.joined_at',
        'o.ended_at',
      ])
      .where('o.call_sid', '=', c.sid)
      .orderBy('o.created_at')
      .execute()
    const at = (d: Date | string | null | undefined) =>
      d ? s1(new Date(d).getTime() - queued) : '-'
    const head =
      `${c.sid}: queued +${s1(queued - o.dayStart)} into the day with ${c.freeAgents} agents ` +
      `free and ${c.waitingAhead} waiting (bench's view); ` +
      (c.answeredAt !== undefined
        ? `answered after ${s1(c.answeredAt - queued)} by ${c.agent}`
        : c.abandoned
          ? `abandoned after ${s1((c.endedAt ?? queued) - queued)}`
          : 'never answered') +
      (call
        ? `; Postgres: enqueued ${at(call.first_enqueued_at)}, answered ${at(call.first_answered_at)}, ${call.status}, queue ${call.queue_state}`
        : '; not in Postgres')
    const rings = offers.map(
      (r) =>
        `agent ${r.job_number} wave ${r.wave} rung ${at(r.created_at)}, picked up ${at(r.answered_at)}, joined ${at(r.joined_at)}, ended ${at(r.ended_at)}: ${r.status}`,
    )
    lines.push(head, ...(rings.length ? rings : ['no agent rung']).map((r) => `    ${r}`))
  }
  return lines
}
