import { sql } from 'kysely'
import { afterAll, describe, expect, inject, it } from 'vitest'

import { createDb } from '../../src/db/database.ts'
import { withDatabase } from '../../src/infra/local-services.ts'
import { createLogger } from '../../src/logger.ts'
import { adminQuery } from '../helpers/databases.ts'

/**
 * Postgres restarting under a busy service (bench:day --faults) killed two processes: a pooled
 * connection lost while checked out between two queries emitted 'error' with no listener.
 */
describe('a pooled connection lost in the middle of a transaction', () => {
  const server = inject('pgServerUrl')
  const name = `shouwen_connloss_${Date.now()}`
  afterAll(async () => {
    await adminQuery(server, `drop database if exists ${name} with (force)`)
  })

  it('fails that transaction, not the process, and the pool carries on', async () => {
    await adminQuery(server, `create database ${name}`)
    const db = createDb({
      url: withDatabase(server, name),
      logger: createLogger({ level: 'silent' }),
      max: 2,
    })
    const uncaught: unknown[] = []
    const onUncaught = (e: unknown) => uncaught.push(e)
    process.on('uncaughtException', onUncaught)
    try {
      const tx = db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
        // Between two queries, as a use-case awaiting something else: the server goes away.
        await adminQuery(server, `select pg_terminate_backend(${rows[0]?.pid})`)
        await new Promise((r) => setTimeout(r, 300))
        await sql`select 1`.execute(trx)
      })
      await expect(tx).rejects.toThrow()
      expect(uncaught).toEqual([])
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db)
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      process.off('uncaughtException', onUncaught)
      await db.destroy()
    }
  })
})
