// `npm run db:seed`: the demo organisation (agents, departments, categories, hotlines).
import type { Config } from '../src/config.ts'
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { DEMO_HOTLINES, DEMO_PASSWORD, loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { coerceError } from '../src/errors.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'

// The demo data resets every demo agent's password to a published one: fine for the simulator,
// a hole in a real deployment. Only a deliberate --force seeds a database used with real Twilio.
const force = process.argv.slice(2).includes('--force')
let config: Config
try {
  config = loadConfig()
} catch (e) {
  process.stderr.write(`db:seed: ${coerceError(e).message}\n`)
  process.exit(1)
}
if (config.twilio.mode !== 'simulator' && !force) {
  process.stderr.write(
    "db:seed refused: TWILIO_MODE is live, and the demo data resets the demo agents' passwords\n" +
      `to the published "${DEMO_PASSWORD}". Seed only a simulator database (TWILIO_MODE=simulator),\n` +
      'or run `npm run db:seed -- --force` if you really mean this database.\n',
  )
  process.exit(1)
}
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
