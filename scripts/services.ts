// `npm run services`: finds or starts Postgres and Redis and prints the URLs in use.
import { loadConfig } from '../src/config.ts'
import { resolveDatabaseUrls } from '../src/infra/resolve-urls.ts'

// Talks to no Twilio: runs whatever TWILIO_MODE is (or is not) set.
const config = loadConfig(process.env, { twilioOptional: true })
const urls = await resolveDatabaseUrls(config, (m) => console.log(m))
console.log(`DATABASE_URL=${urls.databaseUrl}`)
console.log(`REDIS_URL=${urls.redisUrl}`)
