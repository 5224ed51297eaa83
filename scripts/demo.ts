// `npm run demo`: services found or started, schema migrated, demo data loaded, service running
// with the local Twilio simulator. Then `npm run simulate` in a second terminal places a call.
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { DEMO_PASSWORD, loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'
import { startService } from '../src/main.ts'
import { demoEnv } from './demo-env.ts'

const env = demoEnv(process.env)
const config = loadConfig(env)
const logger = createLogger({ level: config.log.level })
const { databaseUrl } = await resolveDatabaseUrls(config, (m) => console.log(m))
const db = createDb({ url: databaseUrl, logger })
await migrateToLatest(db)
await loadDemoData(db)
await db.destroy()

const { stop } = await startService(env)
console.log(`
Shouwen demo is running on ${config.http.publicBaseUrl} (Twilio: ${config.twilio.mode}).
  Web console:          ${config.http.publicBaseUrl}/console/   (log in as 1001, 2001 or 9001, password ${DEMO_PASSWORD})
  Browser phone:        ${config.http.publicBaseUrl}/console/phone.html   (be the caller)
  In another terminal:  npm run simulate      (then: call, press 1, agent 1001 …; type help)
  API login:            curl -s -XPOST ${config.http.publicBaseUrl}/api/auth/login -H 'content-type: application/json' -d '{"jobNumber":"1001","password":"${DEMO_PASSWORD}"}'
  Stop with Ctrl-C.
`)
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => void stop())
