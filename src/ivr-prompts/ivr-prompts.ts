import { appendAdminEvent } from '../admin/admin-events.repository.ts'
import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { Language } from '../domain/language.ts'
import { LANGUAGES } from '../domain/language.ts'
import type { EditablePrompt, PromptOverrides } from '../domain/prompts.ts'
import { defaultPrompt, EDITABLE_PROMPTS, setPromptOverrides } from '../domain/prompts.ts'
import { AppError } from '../errors.ts'

/** IVR prompts as administrators word them: stored in Postgres, applied to every call. */

interface Deps {
  db: Db
  clock: Clock
}

// Short enough that a change is heard on every instance within seconds.
export const PROMPTS_REFRESH_MS = 10_000

export async function loadPromptOverrides(db: Db): Promise<PromptOverrides> {
  const rows = await db.selectFrom('ivr_prompts').select(['language', 'key', 'text']).execute()
  const o: PromptOverrides = {}
  for (const r of rows) {
    if (!(EDITABLE_PROMPTS as readonly string[]).includes(r.key)) continue
    o[r.language] = { ...o[r.language], [r.key]: r.text }
  }
  setPromptOverrides(o)
  return o
}

/** Reloads on a beat, for changes made on other instances. Returns a stopper. */
export function refreshPromptOverrides(db: Db, onError: (e: unknown) => void): () => void {
  const timer = setInterval(() => void loadPromptOverrides(db).catch(onError), PROMPTS_REFRESH_MS)
  timer.unref()
  return () => clearInterval(timer)
}

export interface PromptRow {
  language: Language
  key: EditablePrompt
  default: string
  text: string | null
}

export async function listPrompts(db: Db): Promise<PromptRow[]> {
  const o = await loadPromptOverrides(db)
  return LANGUAGES.flatMap((language) =>
    EDITABLE_PROMPTS.map((key) => ({
      language,
      key,
      default: defaultPrompt(language, key),
      text: o[language]?.[key] ?? null,
    })),
  )
}

function check(key: string): EditablePrompt {
  if (!(EDITABLE_PROMPTS as readonly string[]).includes(key)) {
    throw new AppError('not_found', `no editable prompt ${key}; see GET /api/admin/prompts`)
  }
  return key as EditablePrompt
}

/** Rewords one prompt (or, with text null, goes back to the built-in wording); audited. */
export async function setPrompt(
  deps: Deps,
  actor: Agent,
  language: Language,
  key: string,
  text: string | null,
): Promise<PromptRow[]> {
  const k = check(key)
  if (text !== null && k === 'greeting' && !text.includes('{org}')) {
    throw new AppError('bad_request', 'the greeting must name the hotline: put {org} in it')
  }
  if (text !== null && k === 'agentIntroduction' && !text.includes('{jobNumber}')) {
    throw new AppError(
      'bad_request',
      "the agent's introduction must say who answers: put {jobNumber} in it",
    )
  }
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('ivr_prompts')
      .select('text')
      .where('language', '=', language)
      .where('key', '=', k)
      .executeTakeFirst()
    if (text === null) {
      await trx
        .deleteFrom('ivr_prompts')
        .where('language', '=', language)
        .where('key', '=', k)
        .execute()
    } else {
      await trx
        .insertInto('ivr_prompts')
        .values({ language, key: k, text, updated_by: actor.id, updated_at: at })
        .onConflict((oc) =>
          oc
            .columns(['language', 'key'])
            .doUpdateSet({ text, updated_by: actor.id, updated_at: at }),
        )
        .execute()
    }
    await appendAdminEvent(trx, {
      actorAgentId: actor.id,
      entity: 'ivr_prompt',
      entityKey: `${language}/${k}`,
      action: text === null ? 'deleted' : before ? 'updated' : 'created',
      before: before ? { text: before.text } : null,
      after: text === null ? null : { text },
      at,
    })
  })
  return listPrompts(deps.db)
}
