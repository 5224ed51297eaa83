import type { TestProject } from 'vitest/node'

import { createDb } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { findOrStartServices, withDatabase } from '../../src/infra/local-services.ts'
import { createLogger } from '../../src/logger.ts'
import { findOrInstallChromium } from './browser.ts'
import { adminQuery, newTemplateName } from './databases.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string
    redisUrl: string
    chromiumPath: string
    templateDb: string
  }
}

/**
 * Real Postgres and Redis (found, or started under .local/), never mocks. The schema is migrated
 * once into a template database; each test file clones its own copy from it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const urls = await findOrStartServices({
    dir: process.env['LOCAL_SERVICES_DIR'] ?? '.local',
    databaseUrl: process.env['DATABASE_URL'],
    redisUrl: process.env['REDIS_URL'],
    say: (m) => process.stderr.write(`[test services] ${m}\n`),
  })
  const template = newTemplateName()
  await adminQuery(urls.pgServerUrl, `create database ${template}`)
  const db = createDb({
    url: withDatabase(urls.pgServerUrl, template),
    logger: createLogger({ level: 'silent' }),
  })
  await migrateToLatest(db)
  await db.destroy()
  project.provide(
    'chromiumPath',
    findOrInstallChromium((m) => process.stderr.write(`[test browser] ${m}\n`)),
  )
  project.provide('pgServerUrl', urls.pgServerUrl)
  project.provide('redisUrl', urls.redisUrl)
  project.provide('templateDb', template)
  return () => adminQuery(urls.pgServerUrl, `drop database if exists ${template} with (force)`)
}
