// `npm run demo`: services found or started, schema migrated, demo data loaded, service running
// with the local Twilio simulator. Then `npm run simulate` in a second terminal places a call.
import type { Config } from '../src/config.ts'
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/database.ts'
import { DEMO_PASSWORD, loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { coerceError } from '../src/errors.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'
import { createLogger } from '../src/logger.ts'
import { startService } from '../src/main.ts'
import { simulatorExposure } from '../src/telephony/simulator/exposure.ts'
import { demoEnv } from './demo-env.ts'

/** The demo refuses plainly, before touching any database. */
function refuse(message: string): never {
  process.stderr.write(`npm run demo: ${message}\n`)
  process.exit(1)
}

if (process.env['TWILIO_ACCOUNT_SID'] || process.env['TWILIO_AUTH_TOKEN'])
  refuse(
    'the demo runs the local Twilio simulator and loads demo agents with a published password, ' +
      'so it refuses while TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are set. Unset them for the ' +
      'demo, or run `npm start` with your own data for a real Twilio account.',
  )
const env = demoEnv(process.env)
let config: Config
try {
  config = loadConfig(env)
} catch (e) {
  refuse(coerceError(e).message)
}
// Checked before seeding too: startService would refuse anyway, but only after the demo data.
const exposed = simulatorExposure(config)
if (exposed) refuse(exposed.message)
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
