// The load generator, in its own process so it never shares the server's event loop.
// Reads {url, connections, seconds, token, base} from argv[2] (JSON); prints autocannon's result.
import { randomBytes } from 'node:crypto'

import autocannon from 'autocannon'
import twilio from 'twilio'

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  connections: number
  seconds: number
  token: string
  base: string
}

// A new CallSid and a caller from a pool of 5,000 per request: inserts, and upserts of callers
// who call again, as a busy hotline sees them.
function signedRequest(): { body: string; headers: Record<string, string> } {
  const params = {
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    From: `+86138${String(Math.floor(Math.random() * 5000)).padStart(8, '0')}`,
    To: '+8657112345',
    CallerName: 'BENCH CALLER',
    FromCity: 'HANGZHOU',
    FromCountry: 'CN',
  }
  const signature = twilio.getExpectedTwilioSignature(
    opts.token,
    `${opts.base}/voice/incoming`,
    params,
  )
  return {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
  }
}

const result = await autocannon({
  url: opts.url,
  method: 'POST',
  connections: opts.connections,
  duration: opts.seconds,
  requests: [{ setupRequest: (req) => ({ ...req, ...signedRequest() }) }],
})
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  }),
)
