import type { Db } from '../db/database.ts'
import type { Language } from '../domain/language.ts'
import type { RecordingMode } from '../domain/recording.ts'

export interface Hotline {
  phoneNumber: string
  name: string
  language: Language
  dutySupervisorId: number
  /** Whether its calls are recorded, with a notice in the greeting or silently. */
  recording: RecordingMode
}

export interface Category {
  id: number
  code: string
  nameZh: string
  nameEn: string
  ivrKey: number | null
  isEmergency: boolean
}

export async function findHotline(db: Db, phoneNumber: string): Promise<Hotline | undefined> {
  const r = await db
    .selectFrom('hotlines')
    .selectAll()
    .where('phone_number', '=', phoneNumber)
    .executeTakeFirst()
  return (
    r && {
      phoneNumber: r.phone_number,
      name: r.name,
      language: r.language,
      dutySupervisorId: r.duty_supervisor_id,
      recording: r.recording,
    }
  )
}

export async function listHotlines(db: Db): Promise<Hotline[]> {
  const rows = await db.selectFrom('hotlines').selectAll().orderBy('phone_number').execute()
  return rows.map((r) => ({
    phoneNumber: r.phone_number,
    name: r.name,
    language: r.language,
    dutySupervisorId: r.duty_supervisor_id,
    recording: r.recording,
  }))
}

function toCategory(r: {
  id: number
  code: string
  name_zh: string
  name_en: string
  ivr_key: number | null
  is_emergency: boolean
}): Category {
  return {
    id: r.id,
    code: r.code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    ivrKey: r.ivr_key,
    isEmergency: r.is_emergency,
  }
}

/** Categories callers can choose in the IVR, by key. */
export async function listMenuCategories(db: Db): Promise<Category[]> {
  const rows = await db
    .selectFrom('categories')
    .selectAll()
    .where('ivr_key', 'is not', null)
    .orderBy('ivr_key')
    .execute()
  return rows.map(toCategory)
}

export async function findCategoryByCode(db: Db, code: string): Promise<Category | undefined> {
  const r = await db
    .selectFrom('categories')
    .selectAll()
    .where('code', '=', code)
    .executeTakeFirst()
  return r && toCategory(r)
}

export async function findEmergencyCategory(db: Db): Promise<Category | undefined> {
  const r = await db
    .selectFrom('categories')
    .selectAll()
    .where('is_emergency', '=', true)
    .orderBy('id')
    .executeTakeFirst()
  return r && toCategory(r)
}
