import { randomBytes } from 'node:crypto'

import pg from 'pg'
import { inject } from 'vitest'

import { withDatabase } from '../../src/infra/local-services.ts'

/** One template per test run, so two runs side by side (two terminals, CI) never share one. */
export function newTemplateName(): string {
  return `shouwen_tpl_${randomBytes(5).toString('hex')}`
}

export async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl })
  await c.connect()
  try {
    await c.query(text)
  } finally {
    await c.end()
  }
}

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function cloneTestDatabase(
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `shouwen_t_${randomBytes(5).toString('hex')}`
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(serverUrl, `create database ${name} template ${inject('templateDb')}`)
      break
    } catch (e) {
      // Two files cloning the template at the same instant: Postgres says "being accessed".
      if ((e as { code?: string }).code !== '55006' || attempt > 50) throw e
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
    }
  }
  // Prepared statements (DATABASE_PREPARED_STATEMENTS) are planned generically from their sixth
  // call in production, and some statements are refused in that form (an ON CONFLICT naming a
  // partial index by a parameter). Every test database plans them so from the first, so the
  // suite runs each repeated statement in the form production meets later.
  await adminQuery(serverUrl, `alter database ${name} set plan_cache_mode = force_generic_plan`)
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`),
  }
}
