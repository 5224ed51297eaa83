// The load generator, in its own process so it never shares the server's event loop.
// Reads {url, route, connections, seconds, token, base} from argv[2] (JSON); prints autocannon's
// result. `route` is the webhook being played: `incoming` (a new call) or `hold` (Twilio
// fetching the conference's waitUrl again for a caller on hold).
import { randomBytes } from 'node:crypto'

import autocannon from 'autocannon'
import twilio from 'twilio'

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  route: 'incoming' | 'hold'
  connections: number
  seconds: number
  token: string
  base: string
}

const ACCOUNT = `AC${'b'.repeat(32)}`

// incoming: a new CallSid and a caller from a pool of 5,000 per request: inserts, and upserts of
// callers who call again, as a busy hotline sees them.
// hold: what Twilio sends each time the wait music ends, for one of many waiting callers.
function paramsOf(route: 'incoming' | 'hold'): Record<string, string> {
  const callSid = `CA${randomBytes(16).toString('hex')}`
  const from = `+86138${String(Math.floor(Math.random() * 5000)).padStart(8, '0')}`
  if (route === 'incoming')
    return {
      CallSid: callSid,
      From: from,
      To: '+8657112345',
      CallerName: 'BENCH CALLER',
      FromCity: 'HANGZHOU',
      FromCountry: 'CN',
    }
  return {
    AccountSid: ACCOUNT,
    CallSid: callSid,
    ConferenceSid: `CF${randomBytes(16).toString('hex')}`,
    From: from,
    To: '+8657112345',
    CallStatus: 'in-progress',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  }
}

const pathOf = { incoming: '/voice/incoming', hold: '/voice/hold?lang=zh-CN' }

function signedRequest(): { body: string; headers: Record<string, string> } {
  const params = paramsOf(opts.route)
  const signature = twilio.getExpectedTwilioSignature(
    opts.token,
    `${opts.base}${pathOf[opts.route]}`,
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
  url: `${opts.url}${pathOf[opts.route]}`,
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
    // The generator's own CPU, so the bench can say what share of the machine it took.
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  }),
)
