import type { Db } from '../db/database.ts'
import type { Presence, Role } from './agents.repository.ts'

/** An agent as administrators see and change them; never the password hash. */
export interface AgentProfile {
  id: number
  jobNumber: string
  name: string
  role: Role
  phoneNumber: string | null
  clientIdentity: string | null
  departmentCode: string | null
  active: boolean
  presence: Presence
}

/** What an administrator may set; the password goes in as a hash. */
export interface ProfileRow {
  name: string
  role: Role
  phone_number: string | null
  client_identity: string | null
  department_id: number | null
  active: boolean
  password_hash: string
}

const profiles = (db: Db) =>
  db
    .selectFrom('agents as a')
    .leftJoin('departments as d', 'd.id', 'a.department_id')
    .select([
      'a.id',
      'a.job_number',
      'a.name',
      'a.role',
      'a.phone_number',
      'a.client_identity',
      'd.code as department_code',
      'a.active',
      'a.presence',
    ])

type Row = Awaited<ReturnType<ReturnType<typeof profiles>['executeTakeFirstOrThrow']>>

const toProfile = (r: Row): AgentProfile => ({
  id: r.id,
  jobNumber: r.job_number,
  name: r.name,
  role: r.role,
  phoneNumber: r.phone_number,
  clientIdentity: r.client_identity,
  departmentCode: r.department_code,
  active: r.active,
  presence: r.presence,
})

export async function findProfile(
  db: Db,
  jobNumber: string,
  o: { forUpdate?: boolean } = {},
): Promise<AgentProfile | undefined> {
  let q = profiles(db).where('a.job_number', '=', jobNumber)
  if (o.forUpdate) q = q.forUpdate('a')
  const r = await q.executeTakeFirst()
  return r && toProfile(r)
}

export async function listProfiles(db: Db): Promise<AgentProfile[]> {
  return (await profiles(db).orderBy('a.job_number').execute()).map(toProfile)
}

/** The new agent's id, or 0 when the job number is taken. */
export async function insertProfile(
  db: Db,
  jobNumber: string,
  row: ProfileRow,
  at: Date,
): Promise<number> {
  const r = await db
    .insertInto('agents')
    .values({ job_number: jobNumber, ...row, last_offer_at: null, created_at: at })
    .onConflict((oc) => oc.column('job_number').doNothing())
    .returning('id')
    .executeTakeFirst()
  return r?.id ?? 0
}

/**
 * Writes the changed fields. Deactivating also takes the agent off the line (away, no pause);
 * deactivating or a new password revokes every token of theirs, sessions and API tokens alike,
 * even the session making the change: whoever knew the old password must not keep a way in.
 */
export async function updateProfile(
  db: Db,
  id: number,
  set: Partial<ProfileRow>,
  at: Date,
): Promise<void> {
  const offLine =
    set.active === false
      ? { presence: 'away' as const, presence_changed_at: at, pause_reason: null }
      : {}
  await db
    .updateTable('agents')
    .set({ ...set, ...offLine })
    .where('id', '=', id)
    .execute()
  if (set.active === false || set.password_hash !== undefined) {
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('agent_id', '=', id)
      .where('revoked_at', 'is', null)
      .execute()
  }
}

/** Hotlines whose duty supervisor this agent is: they must stay reachable. */
export async function dutyHotlinesOf(db: Db, agentId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('hotlines')
    .select('phone_number')
    .where('duty_supervisor_id', '=', agentId)
    .execute()
  return rows.map((r) => r.phone_number)
}

export async function departmentIdOf(db: Db, code: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('departments')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst()
  return r?.id
}
