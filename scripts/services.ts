// `npm run services`: finds or starts Postgres and Redis and prints the URLs in use.
import { loadConfig } from '../src/config.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'

// Talks to no Twilio: runs whatever TWILIO_MODE is (or is not) set.
const config = loadConfig(process.env, { twilioOptional: true })
const urls = await resolveDatabaseUrls(config, (m) => console.log(m))
console.log(`DATABASE_URL=${urls.databaseUrl}`)
if (typeof urls.redis === 'string') console.log(`REDIS_URL=${urls.redis}`)
else {
  // The sentinels as configured; they name the primary (passwords are not printed).
  console.log(`REDIS_SENTINELS=${urls.redis.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`)
  console.log(`REDIS_SENTINEL_NAME=${urls.redis.name}`)
}
