import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { AppError, NotFoundError } from '../errors.ts'
import type { Department, DepartmentFields, PersonFields } from './departments.repository.ts'
import {
  findDepartment,
  findPerson,
  insertDepartment,
  insertPerson,
  replaceDepartmentCategories,
  updateDepartmentRow,
  updatePersonRow,
} from './departments.repository.ts'
import { recordDirectoryEvent } from './directory-events.ts'

/**
 * Changes to the routing table. Each is one transaction with its directory event, so the record
 * of who changed what cannot diverge from the change.
 */

interface Deps {
  db: Db
  clock: Clock
}

async function departmentOrThrow(db: Db, code: string): Promise<Department> {
  const d = await findDepartment(db, { code })
  if (!d) throw new NotFoundError('department', code)
  return d
}

export async function createDepartment(
  deps: Deps,
  actor: Agent,
  code: string,
  fields: Partial<DepartmentFields> & { name: string },
): Promise<Department> {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const id = await insertDepartment(trx, code, fields, at)
    if (!id) throw new AppError('conflict', `department ${code} already exists`)
    await recordDirectoryEvent(trx, {
      entity: 'department',
      entityId: code,
      action: 'created',
      actorAgentId: actor.id,
      at,
      data: { ...fields },
    })
  })
  return departmentOrThrow(deps.db, code)
}

export async function updateDepartment(
  deps: Deps,
  actor: Agent,
  code: string,
  fields: Partial<DepartmentFields>,
): Promise<Department> {
  const at = deps.clock.now()
  const before = await departmentOrThrow(deps.db, code)
  await deps.db.transaction().execute(async (trx) => {
    await updateDepartmentRow(trx, before.id, fields, at)
    await recordDirectoryEvent(trx, {
      entity: 'department',
      entityId: code,
      action: 'updated',
      actorAgentId: actor.id,
      at,
      data: { changes: fields },
    })
  })
  return departmentOrThrow(deps.db, code)
}

export async function addDepartmentPerson(
  deps: Deps,
  actor: Agent,
  code: string,
  fields: PersonFields,
): Promise<Department> {
  const at = deps.clock.now()
  const d = await departmentOrThrow(deps.db, code)
  await deps.db.transaction().execute(async (trx) => {
    const p = await insertPerson(trx, d.id, fields, at)
    await recordDirectoryEvent(trx, {
      entity: 'department_person',
      entityId: p.id,
      action: 'added',
      actorAgentId: actor.id,
      at,
      data: { department: code, name: p.name, onDuty: p.onDuty, rank: p.rank },
    })
  })
  return departmentOrThrow(deps.db, code)
}

export async function updateDepartmentPerson(
  deps: Deps,
  actor: Agent,
  code: string,
  personId: number,
  fields: Partial<PersonFields>,
): Promise<Department> {
  const at = deps.clock.now()
  const d = await departmentOrThrow(deps.db, code)
  const before = await findPerson(deps.db, personId)
  if (before?.departmentId !== d.id)
    throw new NotFoundError(`person of department ${code}`, personId)
  const after = { ...before, ...fields }
  if (!after.phoneNumber && !after.clientIdentity) {
    throw new AppError('bad_request', 'a person needs a phoneNumber or a clientIdentity')
  }
  await deps.db.transaction().execute(async (trx) => {
    await updatePersonRow(trx, d.id, personId, fields, at)
    await recordDirectoryEvent(trx, {
      entity: 'department_person',
      entityId: personId,
      action: fields.onDuty === undefined ? 'updated' : fields.onDuty ? 'on_duty' : 'off_duty',
      actorAgentId: actor.id,
      at,
      data: { department: code, changes: fields },
    })
  })
  return departmentOrThrow(deps.db, code)
}

export async function setDepartmentCategories(
  deps: Deps,
  actor: Agent,
  code: string,
  categories: string[],
): Promise<Department> {
  const at = deps.clock.now()
  const d = await departmentOrThrow(deps.db, code)
  await deps.db.transaction().execute(async (trx) => {
    const unknown = await replaceDepartmentCategories(trx, d.id, [...new Set(categories)])
    if (unknown.length) {
      throw new AppError('bad_request', `unknown categories: ${unknown.join(', ')}`)
    }
    await recordDirectoryEvent(trx, {
      entity: 'department_categories',
      entityId: code,
      action: 'replaced',
      actorAgentId: actor.id,
      at,
      data: { before: d.categories, after: categories },
    })
  })
  return departmentOrThrow(deps.db, code)
}
