// `npm run db:seed`: the demo organisation (agents, departments, categories, hotlines).
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { DEMO_HOTLINES, DEMO_PASSWORD, loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'

const config = loadConfig()
const logger = createLogger({ level: config.log.level })
const { databaseUrl } = await resolveDatabaseUrls(config, (m) => logger.info(m))
const db = createDb({ url: databaseUrl, logger })
try {
  await migrateToLatest(db)
  await loadDemoData(db)
  console.log('demo data loaded:')
  console.log('  agents 1001, 1002, 1003 (available), supervisor 2001, manager 3001, admin 9001')
  console.log(`  password for all of them: ${DEMO_PASSWORD}`)
  console.log(
    `  hotlines: ${DEMO_HOTLINES.map((h) => `${h.phone_number} (${h.language})`).join(', ')}`,
  )
} finally {
  await db.destroy()
}
