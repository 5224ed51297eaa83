import ipaddr from 'ipaddr.js'

import type { VoicePaths } from '../../voice/paths.ts'

/**
 * What `npm run twilio:setup` wants Twilio to hold, and how that differs from what it holds.
 * Pure: the keys are the official client's camelCase parameter (and property) names.
 */

export type Settings = Record<string, string>

export interface FieldChange {
  /** Twilio's own parameter name (VoiceUrl), as the console and its docs show it. */
  field: string
  /** Empty when Twilio holds nothing there. */
  from: string
  to: string
}

/** The TwiML App: its voice URL takes calls agents place from the console's softphone. */
export function applicationSettings(paths: VoicePaths): Settings {
  return {
    voiceUrl: paths.softphoneOutgoing,
    voiceMethod: 'POST',
    statusCallback: paths.softphoneStatus,
    statusCallbackMethod: 'POST',
  }
}

/**
 * A hotline number: calls, their status and SMS come to us. An application SID on the number
 * would make Twilio ignore the voice or SMS URL, so it is cleared. The fallback URL is left as it
 * is unless one is asked for (it should not share the primary's failure: see the README).
 */
export function numberSettings(paths: VoicePaths, fallbackUrl?: string): Settings {
  return {
    voiceUrl: paths.incoming,
    voiceMethod: 'POST',
    statusCallback: paths.status,
    statusCallbackMethod: 'POST',
    smsUrl: paths.smsIncoming,
    smsMethod: 'POST',
    voiceApplicationSid: '',
    smsApplicationSid: '',
    ...(fallbackUrl !== undefined && {
      voiceFallbackUrl: fallbackUrl,
      voiceFallbackMethod: 'POST',
    }),
  }
}

/** The fields of `wanted` that `current` holds otherwise; Twilio's null and "" both mean unset. */
export function changesBetween(current: object, wanted: Settings): FieldChange[] {
  const held = current as Record<string, unknown>
  return Object.entries(wanted).flatMap(([key, to]) => {
    const value = held[key]
    const from =
      typeof value === 'string'
        ? value
        : value === null || value === undefined
          ? ''
          : JSON.stringify(value)
    return from === to ? [] : [{ field: key[0]!.toUpperCase() + key.slice(1), from, to }]
  })
}

/** The client's update parameters for the changed fields only (Twilio's name → camelCase). */
export function updateParams(changes: readonly FieldChange[]): Settings {
  return Object.fromEntries(
    changes.map((c) => [c.field[0]!.toLowerCase() + c.field.slice(1), c.to]),
  )
}

const APP_NAME_MAX = 64

/**
 * One TwiML App per deployment, found again by its name: staging and production on one account
 * must not share (and overwrite) each other's voice URL, so the name carries the public host.
 */
export function applicationName(publicBaseUrl: string): string {
  return `Shouwen softphone (${new URL(publicBaseUrl).host})`.slice(0, APP_NAME_MAX)
}

/**
 * Why Twilio could not call this base URL, or undefined when it could. Twilio only reaches
 * public HTTPS addresses: plain http is refused (signatures and callers' data would travel in
 * the clear), and so are localhost and private or reserved addresses.
 */
export function unreachableBaseUrl(name: string, value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${name}: ${value} is not a URL`
  }
  if (url.protocol !== 'https:') {
    return `${name}: ${value} is not https; Twilio must reach it over HTTPS at a public address (for Shouwen: behind your reverse proxy or load balancer)`
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const local = /^localhost$|\.localhost$|\.local$|\.internal$/i.test(host) || !host.includes('.')
  const ip = ipaddr.isValid(host) ? ipaddr.process(host) : undefined
  if ((ip && ip.range() !== 'unicast') || (!ip && local)) {
    return `${name}: ${url.host} is not a public address; Twilio cannot reach it. Use the public HTTPS name of your reverse proxy or load balancer`
  }
  return undefined
}
