import { appendAdminEvent } from '../admin/admin-events.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { AgentProfile, ProfileRow } from './agent-profiles.repository.ts'
import {
  departmentIdOf,
  dutyHotlinesOf,
  findProfile,
  insertProfile,
  updateProfile,
} from './agent-profiles.repository.ts'
import type { Agent, Role } from './agents.repository.ts'
import { hashPassword } from './auth.ts'

interface Deps {
  db: Db
  clock: Clock
}

export interface AgentFields {
  name: string
  role: Role
  phoneNumber: string | null
  clientIdentity: string | null
  departmentCode: string | null
  active: boolean
  password: string
}

export type AgentView = Omit<AgentProfile, 'id'>

const view = ({ id: _id, ...p }: AgentProfile): AgentView => p
/** What the audit keeps: the profile without presence (not an administrator's setting). */
const audited = ({ presence: _p, ...p }: AgentView) => p

/** Administrators create agents; each creation is an admin event (never with the password). */
export async function createAgent(
  deps: Deps,
  admin: Agent,
  jobNumber: string,
  f: Omit<AgentFields, 'active'>,
): Promise<AgentView> {
  const row: ProfileRow = {
    name: f.name,
    role: f.role,
    phone_number: f.phoneNumber,
    client_identity: f.clientIdentity,
    department_id: await departmentOrThrow(deps.db, f.departmentCode),
    active: true,
    password_hash: await hashPassword(f.password),
  }
  const at = deps.clock.now()
  return uniqueOrConflict(() =>
    deps.db.transaction().execute(async (trx) => {
      if (!(await insertProfile(trx, jobNumber, row, at))) {
        throw new AppError('conflict', `job number ${jobNumber} is taken`)
      }
      const after = view(await profileOrThrow(trx, jobNumber))
      await appendAdminEvent(trx, {
        actorAgentId: admin.id,
        entity: 'agent',
        entityKey: jobNumber,
        action: 'created',
        before: null,
        after: audited(after),
        at,
      })
      return after
    }),
  )
}

/**
 * Changes an agent. Deactivating takes them off the line and out of every session; nobody
 * deactivates or demotes themselves, and a hotline's duty supervisor stays active.
 */
export async function updateAgent(
  deps: Deps,
  admin: Agent,
  jobNumber: string,
  f: Partial<AgentFields>,
): Promise<{ agent: AgentView; result: 'updated' | 'unchanged' }> {
  const set: Partial<ProfileRow> = {
    name: f.name,
    role: f.role,
    phone_number: f.phoneNumber,
    client_identity: f.clientIdentity,
    department_id:
      f.departmentCode === undefined
        ? undefined
        : await departmentOrThrow(deps.db, f.departmentCode),
    active: f.active,
    password_hash: f.password === undefined ? undefined : await hashPassword(f.password),
  }
  for (const k of Object.keys(set) as (keyof ProfileRow)[]) if (set[k] === undefined) delete set[k]
  const at = deps.clock.now()
  return uniqueOrConflict(() =>
    deps.db.transaction().execute(async (trx) => {
      const before = await profileOrThrow(trx, jobNumber, { forUpdate: true })
      await refuseUnsafe(trx, admin, before, f)
      await updateProfile(trx, before.id, set, at)
      const after = await profileOrThrow(trx, jobNumber)
      const [b, a] = [audited(view(before)), audited(view(after))]
      if (JSON.stringify(b) === JSON.stringify(a) && f.password === undefined) {
        return { agent: view(after), result: 'unchanged' as const }
      }
      await appendAdminEvent(trx, {
        actorAgentId: admin.id,
        entity: 'agent',
        entityKey: jobNumber,
        action: 'updated',
        before: b,
        after: f.password === undefined ? a : { ...a, passwordChanged: true },
        at,
      })
      return { agent: view(after), result: 'updated' as const }
    }),
  )
}

async function refuseUnsafe(
  db: Db,
  admin: Agent,
  before: AgentProfile,
  f: Partial<AgentFields>,
): Promise<void> {
  const self = before.id === admin.id
  if (self && (f.active === false || (f.role !== undefined && f.role !== before.role))) {
    throw new AppError('forbidden', 'ask another administrator to change your own role or access')
  }
  const phone = f.phoneNumber === undefined ? before.phoneNumber : f.phoneNumber
  const client = f.clientIdentity === undefined ? before.clientIdentity : f.clientIdentity
  if (!phone && !client) {
    throw new AppError('bad_request', 'an agent needs a phoneNumber or a clientIdentity')
  }
  if (f.active === false && before.active) {
    const hotlines = await dutyHotlinesOf(db, before.id)
    if (hotlines.length > 0) {
      throw new AppError(
        'invalid_state',
        `agent ${before.jobNumber} is the duty supervisor of hotline ${hotlines.join(', ')}; make someone else duty supervisor first`,
      )
    }
  }
}

async function profileOrThrow(
  db: Db,
  jobNumber: string,
  o: { forUpdate?: boolean } = {},
): Promise<AgentProfile> {
  const p = await findProfile(db, jobNumber, o)
  if (!p) throw new NotFoundError('agent', jobNumber)
  return p
}

async function departmentOrThrow(db: Db, code: string | null): Promise<number | null> {
  if (code === null) return null
  const id = await departmentIdOf(db, code)
  if (id === undefined) throw new AppError('bad_request', `departmentCode: no department ${code}`)
  return id
}

/** The one unique column left to the database to guard: a softphone identity rings one agent. */
async function uniqueOrConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      throw new AppError('conflict', 'clientIdentity is already used by another agent', {
        cause: e,
      })
    }
    throw e
  }
}
