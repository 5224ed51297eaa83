// `npm run db:migrate`: brings the database up to date (the service also does this at startup).
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'

// Talks to no Twilio: runs whatever TWILIO_MODE is (or is not) set.
const config = loadConfig(process.env, { twilioOptional: true })
const logger = createLogger({ level: config.log.level })
const { databaseUrl } = await resolveDatabaseUrls(config, (m) => logger.info(m))
const db = createDb({ url: databaseUrl, logger })
try {
  const ran = await migrateToLatest(db)
  console.log(ran.length ? `migrated: ${ran.join(', ')}` : 'database already up to date')
} finally {
  await db.destroy()
}
