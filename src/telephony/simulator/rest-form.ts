import { RestError } from './rest-resources.ts'
import type { HttpMethod } from './twiml.ts'
import type { StatusCallbackConfig } from './types.ts'

/**
 * Reads the form parameters the twilio client sends (PascalCase names; values are strings,
 * numbers, booleans or arrays for repeated ones like StatusCallbackEvent) and rejects bad ones
 * with Twilio's codes.
 */

export type Form = Record<string, unknown>

export const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const

/** Twilio's generic "invalid parameter" answer in the simulator. */
export const INVALID_PARAMETER = 21220

const E164 = /^\+[1-9]\d{1,14}$/
const CLIENT = /^client:[\w.@+-]+$/
const SIP = /^sip:\S+@\S+$/

function scalar(name: string, v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw invalid(name, 'must be a single text value')
}

export function str(form: Form, name: string): string | undefined {
  const v = form[name]
  if (v === undefined || v === null) return undefined
  if (Array.isArray(v)) return v.length ? scalar(name, v[v.length - 1]) : undefined
  return scalar(name, v)
}

export function required(form: Form, name: string, code: number): string {
  const v = str(form, name)
  if (v === undefined || v === '') {
    throw new RestError(400, code, `Required parameter "${name}" is missing.`)
  }
  return v
}

export function list(form: Form, name: string): string[] {
  const v = form[name]
  if (v === undefined || v === null) return []
  const items = (Array.isArray(v) ? v : [v]).map((x) => scalar(name, x))
  return items.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)
}

export function bool(form: Form, name: string): boolean | undefined {
  const v = str(form, name)
  if (v === undefined) return undefined
  if (v === 'true' || v === 'false') return v === 'true'
  throw invalid(name, 'must be true or false')
}

export function int(form: Form, name: string, min: number, max: number): number | undefined {
  const v = str(form, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalid(name, `must be a whole number from ${min} to ${max}`)
  }
  return n
}

export function method(form: Form, name: string, fallback: HttpMethod): HttpMethod {
  const v = str(form, name)?.toUpperCase()
  if (v === undefined) return fallback
  if (v !== 'GET' && v !== 'POST') throw invalid(name, 'must be GET or POST')
  return v
}

export function optionalMethod(form: Form, name: string): HttpMethod | undefined {
  return str(form, name) === undefined ? undefined : method(form, name, 'POST')
}

export function url(form: Form, name: string, code = 21205): string | undefined {
  const v = str(form, name)
  if (v === undefined) return undefined
  if (!/^https?:\/\/[^/\s]+/i.test(v)) {
    throw new RestError(400, code, `${name} is not a valid URL: ${v}`)
  }
  return v
}

/** An E.164 number, `client:identity` or a SIP address, as Twilio accepts in To/From. */
export function address(form: Form, name: string, missingCode: number, badCode: number): string {
  const v = required(form, name, missingCode)
  if (!E164.test(v) && !CLIENT.test(v) && !SIP.test(v)) {
    throw new RestError(400, badCode, `The '${name}' number ${v} is not a valid phone number.`)
  }
  return v
}

export function statusCallback(
  form: Form,
  allowed: readonly string[],
  prefix = '',
): StatusCallbackConfig | undefined {
  const cbUrl = url(form, `${prefix}StatusCallback`)
  const events = list(form, `${prefix}StatusCallbackEvent`)
  const bad = events.filter((e) => !allowed.includes(e))
  if (bad.length) {
    throw invalid(`${prefix}StatusCallbackEvent`, `has unknown events: ${bad.join(', ')}`)
  }
  if (!cbUrl) return undefined
  return {
    url: cbUrl,
    method: method(form, `${prefix}StatusCallbackMethod`, 'POST'),
    events: new Set(events.length ? events : prefix ? ['start', 'end'] : ['completed']),
  }
}

export function invalid(name: string, problem: string): RestError {
  return new RestError(400, INVALID_PARAMETER, `Invalid parameter ${name}: ${problem}`)
}
