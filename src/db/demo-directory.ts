import type { Db } from './database.ts'

/**
 * The demo routing table: each department's details, its on-duty people (browser clients, so
 * the simulator can play them), the categories it handles, plus the catalogues agents pick from.
 */

const DEPARTMENTS = [
  {
    code: 'property-services',
    name: '物业服务部',
    name_en: 'Property services',
    contact_name: 'Sun Li 孙丽',
    public_phone: '+8657112300',
    service_hours: '08:00-20:00',
    service_days: 'every' as const,
    categories: ['complaint', 'neighbour', 'inquiry'],
    people: [
      { name: 'Sun Li 孙丽', client_identity: 'dept-property-1', rank: 1, on_duty: true },
      { name: 'Zhou Qiang 周强', client_identity: 'dept-property-2', rank: 2, on_duty: true },
    ],
  },
  {
    code: 'engineering',
    name: '工程部',
    name_en: 'Engineering',
    contact_name: 'Wu Gang 吴刚',
    public_phone: '+8657112301',
    service_hours: '00:00-24:00',
    service_days: 'every' as const,
    categories: ['repair', 'emergency'],
    people: [
      { name: 'Wu Gang 吴刚', client_identity: 'dept-engineering-1', rank: 1, on_duty: true },
      { name: 'Zheng Hao 郑浩', client_identity: 'dept-engineering-2', rank: 2, on_duty: true },
    ],
  },
  {
    code: 'customer-relations',
    name: '客服部',
    name_en: 'Customer relations',
    contact_name: 'Chen Jing 陈静',
    public_phone: '+8657112345',
    service_hours: '08:30-17:30',
    service_days: 'working' as const,
    categories: ['complaint'],
    people: [],
  },
]

const EXTERNAL_BODIES = [
  {
    code: 'power-grid',
    name: 'State Grid 95598 国家电网',
    phone: '95598',
    note: 'city-wide power cuts and meters',
  },
  {
    code: 'city-hotline',
    name: 'City service hotline 12345 市民热线',
    phone: '12345',
    note: 'public roads, city services',
  },
]

const SERVICE_ITEMS = [
  {
    code: 'access-card',
    category: 'inquiry',
    content: {
      'zh-CN': {
        title: '门禁卡补办',
        bring: ['业主身份证原件', '房产证或购房合同复印件', '工本费20元'],
        steps: ['到物业服务中心前台填写补办申请', '核验身份后缴费', '当场领取新卡'],
        timeLimit: '当场办结',
      },
      'en-US': {
        title: 'Replacing an access card',
        bring: [
          "the owner's ID card",
          'a copy of the deed or purchase contract',
          'a fee of 20 yuan',
        ],
        steps: [
          'fill in the form at the service centre desk',
          'pay after the ID check',
          'take the new card',
        ],
        timeLimit: 'done on the spot',
      },
    },
  },
  {
    code: 'renovation-permit',
    category: 'inquiry',
    content: {
      'zh-CN': {
        title: '装修申报',
        bring: ['装修图纸', '装修公司营业执照复印件', '装修押金'],
        steps: ['提交申报材料', '工程部3个工作日内审核', '领取装修许可证后开工'],
        timeLimit: '3个工作日',
      },
      'en-US': {
        title: 'Renovation permit',
        bring: ['the renovation drawings', "a copy of the contractor's licence", 'the deposit'],
        steps: [
          'hand in the papers',
          'engineering checks them within 3 working days',
          'start once the permit is issued',
        ],
        timeLimit: '3 working days',
      },
    },
  },
]

export async function loadDemoDirectory(trx: Db): Promise<void> {
  const categories = await trx.selectFrom('categories').select(['id', 'code']).execute()
  const categoryId = (code: string) => categories.find((c) => c.code === code)?.id ?? null
  for (const { categories: cats, people, ...d } of DEPARTMENTS) {
    const { id } = await trx
      .insertInto('departments')
      .values(d)
      .onConflict((oc) => oc.column('code').doUpdateSet(d))
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const p of people) {
      const known = await trx
        .selectFrom('department_people')
        .select('id')
        .where('department_id', '=', id)
        .where('client_identity', '=', p.client_identity)
        .executeTakeFirst()
      if (known) {
        await trx.updateTable('department_people').set(p).where('id', '=', known.id).execute()
      } else {
        await trx
          .insertInto('department_people')
          .values({ ...p, department_id: id, phone_number: null })
          .execute()
      }
    }
    await trx.deleteFrom('department_categories').where('department_id', '=', id).execute()
    const rows = cats.flatMap((c) => {
      const cid = categoryId(c)
      return cid === null ? [] : [{ department_id: id, category_id: cid }]
    })
    if (rows.length) await trx.insertInto('department_categories').values(rows).execute()
  }
  for (const b of EXTERNAL_BODIES) {
    await trx
      .insertInto('external_bodies')
      .values(b)
      .onConflict((oc) => oc.column('code').doUpdateSet(b))
      .execute()
  }
  for (const i of SERVICE_ITEMS) {
    const values = {
      code: i.code,
      category_id: categoryId(i.category),
      content: JSON.stringify(i.content),
    }
    await trx
      .insertInto('service_items')
      .values(values)
      .onConflict((oc) => oc.column('code').doUpdateSet(values))
      .execute()
  }
}
