import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Hotline } from '../calls/directory.repository.ts'
import { findHotline, listHotlines } from '../calls/directory.repository.ts'
import type { DirectoryCache } from '../calls/directory-cache.ts'
import type { Db } from '../db/database.ts'
import type { RecordingMode } from '../domain/recording.ts'
import { NotFoundError } from '../errors.ts'
import { appendAdminEvent } from './admin-events.repository.ts'

/** What the admin API says of a hotline. */
export interface HotlineView {
  number: string
  name: string
  language: Hotline['language']
  recording: RecordingMode
}

const view = (h: Hotline): HotlineView => ({
  number: h.phoneNumber,
  name: h.name,
  language: h.language,
  recording: h.recording,
})

export async function listHotlineViews(db: Db): Promise<HotlineView[]> {
  return (await listHotlines(db)).map(view)
}

/**
 * Turns a hotline's recording off, on with a notice, or on silently; audited. The directory
 * cache is dropped so this instance greets the next caller with the new setting at once (others
 * follow within the cache's TTL).
 */
export async function setHotlineRecording(
  deps: { db: Db; clock: Clock; directory: DirectoryCache },
  admin: Agent,
  number: string,
  recording: RecordingMode,
): Promise<{ hotline: HotlineView; result: 'updated' | 'unchanged' }> {
  const at = deps.clock.now()
  const result = await deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('hotlines')
      .select('recording')
      .where('phone_number', '=', number)
      .forUpdate()
      .executeTakeFirst()
    if (!before) throw new NotFoundError('hotline', number)
    if (before.recording === recording) return 'unchanged' as const
    await trx
      .updateTable('hotlines')
      .set({ recording })
      .where('phone_number', '=', number)
      .execute()
    await appendAdminEvent(trx, {
      actorAgentId: admin.id,
      entity: 'hotline',
      entityKey: number,
      action: 'updated',
      before: { recording: before.recording },
      after: { recording },
      at,
    })
    return 'updated' as const
  })
  deps.directory.invalidate()
  const after = await findHotline(deps.db, number)
  if (!after) throw new NotFoundError('hotline', number)
  return { hotline: view(after), result }
}
