import twilio from 'twilio'
import { inject } from 'vitest'

import type { Role } from '../../src/config.ts'
import type { AppContext } from '../../src/context.ts'
import { startService } from '../../src/main.ts'
import type { FakeTwilioEdge } from './fake-twilio-edge.ts'
import { createFakeTwilioEdge } from './fake-twilio-edge.ts'
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './harness.ts'
import { freePort } from './service.ts'

/**
 * The service as `npm start` runs it in one role, on a shared database and queue prefix, with
 * the real Twilio client talking to a fake of Twilio's HTTP edge of its own: a test can tell
 * which process made which request. Live mode, because the simulator lives inside one process
 * and split roles refuse it (see roleProblems in src/config.ts).
 */
export interface RoleService {
  role: Role
  ctx: AppContext
  edge: FakeTwilioEdge
  /** This process's own address (health, metrics; webhooks and API on a web role). */
  base: string
  stop(): Promise<void>
}

export async function startRole(
  role: Role,
  o: { databaseUrl: string; queuePrefix: string; publicBaseUrl?: string; port?: number },
  env: Record<string, string> = {},
): Promise<RoleService> {
  const port = o.port ?? (await freePort())
  const base = `http://127.0.0.1:${port}`
  const edge = createFakeTwilioEdge()
  const started = await startService(
    {
      SHOUWEN_ROLE: role,
      PORT: String(port),
      // Twilio reaches the web role: a worker hands out the web's URLs when it dials.
      PUBLIC_BASE_URL: o.publicBaseUrl ?? base,
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: o.queuePrefix,
      LOG_LEVEL: 'silent',
      ...env,
    },
    { twilioHttpClient: edge.httpClient },
  )
  return { role, ctx: started.ctx, edge, base, stop: started.stop }
}

/** POSTs a webhook to an absolute URL, signed the way Twilio signs it. */
export function signedPost(url: string, params: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params),
  })
}
