import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { setPromptOverrides } from '../../src/domain/prompts.ts'
import { callIn } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'
import { allText } from '../helpers/twiml.ts'

describe('IVR prompts per language, worded by administrators', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    setPromptOverrides({})
    await h.close()
  })
  const api = () => request(h.app)

  it('greets callers with the new wording at once, and goes back to the built-in one', async () => {
    const admin = await login(h, '9001')
    const put = await api()
      .put('/api/admin/prompts/zh-CN/greeting')
      .set(admin)
      .send({ text: '您好，欢迎致电{org}，请讲。' })
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    const menu = (await callIn(h)).menu
    expect(allText(menu)).toContain('您好，欢迎致电首问服务热线，请讲。')

    const list = await api()
      .get('/api/admin/prompts')
      .set(await login(h, '2001'))
    expect(list.body.prompts).toContainEqual(
      expect.objectContaining({
        language: 'zh-CN',
        key: 'greeting',
        text: '您好，欢迎致电{org}，请讲。',
      }),
    )
    const changes = await h.ctx.db
      .selectFrom('admin_events')
      .select(['entity', 'entity_key', 'action'])
      .where('entity', '=', 'ivr_prompt')
      .execute()
    expect(changes).toEqual([
      { entity: 'ivr_prompt', entity_key: 'zh-CN/greeting', action: 'created' },
    ])

    expect((await api().delete('/api/admin/prompts/zh-CN/greeting').set(admin)).status).toBe(200)
    expect(allText((await callIn(h)).menu)).toContain('您好，这里是首问服务热线')
  })

  it('refuses bad wording and non-administrators, changing nothing', async () => {
    const admin = await login(h, '9001')
    const noOrg = await api()
      .put('/api/admin/prompts/zh-CN/greeting')
      .set(admin)
      .send({ text: '您好' })
    expect(noOrg.status).toBe(400)
    const unknown = await api()
      .put('/api/admin/prompts/zh-CN/nonsense')
      .set(admin)
      .send({ text: 'x' })
    expect(unknown.status).toBe(404)
    const badLang = await api()
      .put('/api/admin/prompts/fr-FR/connecting')
      .set(admin)
      .send({ text: 'x' })
    expect(badLang.status).toBe(400)
    const supervisor = await api()
      .put('/api/admin/prompts/zh-CN/connecting')
      .set(await login(h, '2001'))
      .send({ text: '请稍候' })
    expect(supervisor.status).toBe(403)
    expect(await h.ctx.db.selectFrom('ivr_prompts').selectAll().execute()).toEqual([])
  })
})
