import { hashPassword } from '../agents/auth.ts'
import type { Db } from './database.ts'
import { loadDemoDirectory } from './demo-directory.ts'

/** The demo password of every demo agent; printed by `npm run db:seed`. Never for production. */
export const DEMO_PASSWORD = 'shouwen-demo'

export const DEMO_HOTLINES = [
  { phone_number: '+8657112345', name: '首问服务热线', language: 'zh-CN' as const },
  { phone_number: '+15005550006', name: 'the Shouwen service hotline', language: 'en-US' as const },
]

const DEPARTMENTS = [
  { code: 'property-services', name: '物业服务部' },
  { code: 'engineering', name: '工程部' },
  { code: 'customer-relations', name: '客服部' },
]

const CATEGORIES = [
  { code: 'repair', name_zh: '报修', name_en: 'repairs', ivr_key: 1, is_emergency: false },
  { code: 'complaint', name_zh: '投诉', name_en: 'complaints', ivr_key: 2, is_emergency: false },
  { code: 'inquiry', name_zh: '咨询', name_en: 'questions', ivr_key: 3, is_emergency: false },
  {
    code: 'neighbour',
    name_zh: '邻里纠纷',
    name_en: 'neighbour problems',
    ivr_key: 4,
    is_emergency: false,
  },
  {
    code: 'emergency',
    name_zh: '紧急情况',
    name_en: 'emergencies',
    ivr_key: null,
    is_emergency: true,
  },
]

const AGENTS = [
  {
    job_number: '1001',
    name: 'Li Na 李娜',
    role: 'agent' as const,
    presence: 'available' as const,
  },
  {
    job_number: '1002',
    name: 'Wang Wei 王伟',
    role: 'agent' as const,
    presence: 'available' as const,
  },
  {
    job_number: '1003',
    name: 'Zhang Min 张敏',
    role: 'agent' as const,
    presence: 'available' as const,
  },
  {
    job_number: '2001',
    name: 'Chen Jing 陈静',
    role: 'supervisor' as const,
    presence: 'away' as const,
  },
  {
    job_number: '3001',
    name: 'Zhao Lei 赵磊',
    role: 'manager' as const,
    presence: 'away' as const,
  },
  { job_number: '9001', name: 'Admin 管理员', role: 'admin' as const, presence: 'away' as const },
]

/** Loads (or refreshes) the demo organisation. Idempotent: run it as often as you like. */
export async function loadDemoData(db: Db): Promise<void> {
  const password = await hashPassword(DEMO_PASSWORD)
  await db.transaction().execute(async (trx) => {
    for (const d of DEPARTMENTS) {
      await trx
        .insertInto('departments')
        .values(d)
        .onConflict((oc) => oc.column('code').doUpdateSet({ name: d.name }))
        .execute()
    }
    const cs = await trx
      .selectFrom('departments')
      .select(['id', 'code'])
      .where('code', '=', 'customer-relations')
      .executeTakeFirstOrThrow()
    for (const c of CATEGORIES) {
      await trx
        .insertInto('categories')
        .values(c)
        .onConflict((oc) =>
          oc.column('code').doUpdateSet({
            name_zh: c.name_zh,
            name_en: c.name_en,
            ivr_key: c.ivr_key,
            is_emergency: c.is_emergency,
          }),
        )
        .execute()
    }
    for (const a of AGENTS) {
      const row = {
        ...a,
        client_identity: `agent-${a.job_number}`,
        phone_number: null,
        department_id: cs.id,
        password_hash: password,
        last_offer_at: null,
      }
      await trx
        .insertInto('agents')
        .values(row)
        .onConflict((oc) =>
          oc.column('job_number').doUpdateSet({
            name: a.name,
            role: a.role,
            presence: a.presence,
            password_hash: password,
          }),
        )
        .execute()
    }
    const duty = await trx
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '2001')
      .executeTakeFirstOrThrow()
    await loadDemoDirectory(trx)
    for (const h of DEMO_HOTLINES) {
      await trx
        .insertInto('hotlines')
        .values({ ...h, duty_supervisor_id: duty.id })
        .onConflict((oc) =>
          oc
            .column('phone_number')
            .doUpdateSet({ name: h.name, language: h.language, duty_supervisor_id: duty.id }),
        )
        .execute()
    }
  })
}
