import type { Selectable } from 'kysely'

import type { Db } from '../db/database.ts'
import type { DepartmentPeopleTable, DepartmentsTable } from '../db/schema.ts'

/** The department directory and routing table (部门责任落实表). */

export interface DepartmentPerson {
  id: number
  departmentId: number
  name: string
  phoneNumber: string | null
  clientIdentity: string | null
  rank: number
  onDuty: boolean
  active: boolean
}

export interface Department {
  id: number
  code: string
  name: string
  nameEn: string | null
  contactName: string | null
  publicPhone: string | null
  /** 'HH:MM-HH:MM' in the deployment's time zone. */
  serviceHours: string
  serviceDays: 'working' | 'every'
  active: boolean
  /** Category codes this department handles. */
  categories: string[]
  people: DepartmentPerson[]
}

export interface DepartmentFields {
  name: string
  nameEn: string | null
  contactName: string | null
  publicPhone: string | null
  serviceHours: string
  serviceDays: 'working' | 'every'
  active: boolean
}

export interface PersonFields {
  name: string
  phoneNumber: string | null
  clientIdentity: string | null
  rank: number
  onDuty: boolean
  active: boolean
}

function toPerson(r: Selectable<DepartmentPeopleTable>): DepartmentPerson {
  return {
    id: r.id,
    departmentId: r.department_id,
    name: r.name,
    phoneNumber: r.phone_number,
    clientIdentity: r.client_identity,
    rank: r.rank,
    onDuty: r.on_duty,
    active: r.active,
  }
}

async function hydrate(db: Db, rows: Selectable<DepartmentsTable>[]): Promise<Department[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [people, cats] = await Promise.all([
    db
      .selectFrom('department_people')
      .selectAll()
      .where('department_id', 'in', ids)
      .orderBy('rank')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('department_categories as dc')
      .innerJoin('categories as c', 'c.id', 'dc.category_id')
      .select(['dc.department_id', 'c.code'])
      .where('dc.department_id', 'in', ids)
      .orderBy('c.code')
      .execute(),
  ])
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    nameEn: r.name_en,
    contactName: r.contact_name,
    publicPhone: r.public_phone,
    serviceHours: r.service_hours,
    serviceDays: r.service_days,
    active: r.active,
    categories: cats.filter((c) => c.department_id === r.id).map((c) => c.code),
    people: people.filter((p) => p.department_id === r.id).map(toPerson),
  }))
}

export async function listDepartments(db: Db): Promise<Department[]> {
  return hydrate(db, await db.selectFrom('departments').selectAll().orderBy('code').execute())
}

export async function findDepartment(
  db: Db,
  key: { code: string } | { id: number },
): Promise<Department | undefined> {
  let q = db.selectFrom('departments').selectAll()
  q = 'code' in key ? q.where('code', '=', key.code) : q.where('id', '=', key.id)
  const [d] = await hydrate(db, await q.execute())
  return d
}

function departmentRow(f: Partial<DepartmentFields>) {
  return {
    ...(f.name !== undefined && { name: f.name }),
    ...(f.nameEn !== undefined && { name_en: f.nameEn }),
    ...(f.contactName !== undefined && { contact_name: f.contactName }),
    ...(f.publicPhone !== undefined && { public_phone: f.publicPhone }),
    ...(f.serviceHours !== undefined && { service_hours: f.serviceHours }),
    ...(f.serviceDays !== undefined && { service_days: f.serviceDays }),
    ...(f.active !== undefined && { active: f.active }),
  }
}

export async function insertDepartment(
  db: Db,
  code: string,
  f: Partial<DepartmentFields> & { name: string },
  at: Date,
): Promise<number> {
  const r = await db
    .insertInto('departments')
    .values({
      code,
      name: f.name,
      name_en: null,
      contact_name: null,
      public_phone: null,
      ...departmentRow(f),
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning('id')
    .executeTakeFirst()
  return r?.id ?? 0
}

export async function updateDepartmentRow(
  db: Db,
  id: number,
  f: Partial<DepartmentFields>,
  at: Date,
): Promise<void> {
  await db
    .updateTable('departments')
    .set({ ...departmentRow(f), updated_at: at })
    .where('id', '=', id)
    .execute()
}

function personRow(f: Partial<PersonFields>) {
  return {
    ...(f.name !== undefined && { name: f.name }),
    ...(f.phoneNumber !== undefined && { phone_number: f.phoneNumber }),
    ...(f.clientIdentity !== undefined && { client_identity: f.clientIdentity }),
    ...(f.rank !== undefined && { rank: f.rank }),
    ...(f.onDuty !== undefined && { on_duty: f.onDuty }),
    ...(f.active !== undefined && { active: f.active }),
  }
}

export async function insertPerson(
  db: Db,
  departmentId: number,
  f: PersonFields,
  at: Date,
): Promise<DepartmentPerson> {
  const r = await db
    .insertInto('department_people')
    .values({
      department_id: departmentId,
      ...personRow(f),
      name: f.name,
      created_at: at,
      updated_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toPerson(r)
}

export async function updatePersonRow(
  db: Db,
  departmentId: number,
  personId: number,
  f: Partial<PersonFields>,
  at: Date,
): Promise<DepartmentPerson | undefined> {
  const r = await db
    .updateTable('department_people')
    .set({ ...personRow(f), updated_at: at })
    .where('id', '=', personId)
    .where('department_id', '=', departmentId)
    .returningAll()
    .executeTakeFirst()
  return r && toPerson(r)
}

export async function findPerson(db: Db, personId: number): Promise<DepartmentPerson | undefined> {
  const r = await db
    .selectFrom('department_people')
    .selectAll()
    .where('id', '=', personId)
    .executeTakeFirst()
  return r && toPerson(r)
}

/** Replaces the department's categories; returns the codes that do not exist (nothing changed). */
export async function replaceDepartmentCategories(
  db: Db,
  departmentId: number,
  codes: string[],
): Promise<string[]> {
  const found = codes.length
    ? await db.selectFrom('categories').select(['id', 'code']).where('code', 'in', codes).execute()
    : []
  const unknown = codes.filter((c) => !found.some((f) => f.code === c))
  if (unknown.length) return unknown
  await db.deleteFrom('department_categories').where('department_id', '=', departmentId).execute()
  if (found.length) {
    await db
      .insertInto('department_categories')
      .values(found.map((f) => ({ department_id: departmentId, category_id: f.id })))
      .execute()
  }
  return []
}
