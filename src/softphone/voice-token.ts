import twilio from 'twilio'

import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { AppError } from '../errors.ts'
import { agentStanding, claimClientIdentity } from './softphone.repository.ts'

const { AccessToken } = twilio.jwt
const { VoiceGrant } = AccessToken

export interface VoiceToken {
  /** A Twilio Access Token (JWT) with a Voice grant, for `new Twilio.Device(token)`. */
  token: string
  /** The agent's client identity: offers ring `client:<identity>`. */
  identity: string
  expiresAt: Date
}

/** Which phone the console shows: the simulator's, Twilio's Voice SDK, or none (use a phone). */
export type ConsolePhone = 'simulator' | 'twilio' | 'none'

/** What is missing for the browser softphone on live Twilio, by variable name. */
export function softphoneMissing(config: Config): string[] {
  if (config.twilio.mode !== 'live') return ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']
  const missing: string[] = []
  if (!config.twilio.apiKey) missing.push('TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET')
  if (!config.twilio.twimlAppSid) missing.push('TWILIO_TWIML_APP_SID')
  return missing
}

export function consolePhone(config: Config, hasSimulator: boolean): ConsolePhone {
  if (hasSimulator) return 'simulator'
  return softphoneMissing(config).length === 0 ? 'twilio' : 'none'
}

/**
 * A short-lived Access Token for the agent's browser softphone: it may receive calls for the
 * agent's identity (the offers) and place calls through the TwiML App (to a case's caller).
 *
 * An agent without a client identity gets `agent-<job number>` (or, if an administrator gave that
 * to someone else, `agent-<job number>-<id>`), stored on the agent: from then on offers ring the
 * browser, with no per-agent setup at Twilio. An administrator can change or clear it.
 */
export async function issueVoiceToken(
  deps: { db: Db; config: Config },
  agent: { id: number; jobNumber: string },
): Promise<VoiceToken> {
  const { config } = deps
  const missing = softphoneMissing(config)
  if (config.twilio.mode !== 'live' || !config.twilio.apiKey || !config.twilio.twimlAppSid) {
    throw new AppError(
      'invalid_state',
      config.twilio.mode !== 'live'
        ? 'the browser softphone needs live Twilio: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (in simulator mode the console has the simulator phone)'
        : `the browser softphone is not configured: set ${missing.join(', ')} (see README, Browser softphone)`,
    )
  }
  const standing = await agentStanding(deps.db, agent.id)
  if (!standing?.active)
    throw new AppError('forbidden', `agent ${agent.jobNumber} is not active and may not take calls`)
  const identity =
    standing.clientIdentity ??
    (await claimClientIdentity(deps.db, agent.id, `agent-${agent.jobNumber}`)) ??
    (await claimClientIdentity(deps.db, agent.id, `agent-${agent.jobNumber}-${agent.id}`))
  if (!identity)
    throw new AppError(
      'conflict',
      `no softphone identity is free for agent ${agent.jobNumber}: an administrator sets clientIdentity`,
    )

  const token = new AccessToken(
    config.twilio.accountSid,
    config.twilio.apiKey.sid,
    config.twilio.apiKey.secret,
    { identity, ttl: config.voiceTokenTtlSeconds },
  )
  token.addGrant(
    new VoiceGrant({ incomingAllow: true, outgoingApplicationSid: config.twilio.twimlAppSid }),
  )
  const jwt = token.toJwt()
  return { token: jwt, identity, expiresAt: expiryOf(jwt) }
}

/** The token's own `exp`: the library stamps it from its clock, so it is read back, not guessed. */
function expiryOf(jwt: string): Date {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as {
    exp: number
  }
  return new Date(payload.exp * 1000)
}
