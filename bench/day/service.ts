// One Shouwen process for bench/day.ts, started exactly as `npm start` starts it (startService,
// its role from SHOUWEN_ROLE), except that the official Twilio client's HTTP edge carries each
// request to the bench's fake Twilio process (BENCH_TWILIO_EDGE) instead of api.twilio.com. This
// is a bench-only wrapper, not a production setting: nothing in src/ reads BENCH_TWILIO_EDGE.
import { startService } from '../../src/main.ts'
import type { EdgeHttpClient } from '../../src/telephony/telephony.ts'

const edgeUrl = process.env['BENCH_TWILIO_EDGE']
if (!edgeUrl) throw new Error('BENCH_TWILIO_EDGE is not set')

const edge: EdgeHttpClient = {
  async request(opts) {
    const timeout = opts.timeout ?? 10_000
    try {
      const res = await fetch(`${edgeUrl}/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(opts),
        signal: AbortSignal.timeout(timeout),
      })
      return (await res.json()) as { statusCode: number; body: unknown; headers: unknown }
    } catch (e) {
      // The way the client's own axios edge fails when Twilio does not answer in time.
      if ((e as Error).name === 'TimeoutError')
        throw Object.assign(new Error(`timeout of ${timeout}ms exceeded`), { code: 'ECONNABORTED' })
      throw e
    }
  },
}

const { stop } = await startService(process.env, { twilioHttpClient: edge })
process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
