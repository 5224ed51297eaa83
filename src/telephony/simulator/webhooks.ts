import twilio from 'twilio'

import { ABORTED, AbortedError, type Core, emit, track } from './core.ts'
import type { TransportResponse } from './http-transport.ts'
import { type HttpMethod, parseTwiml, TwimlError, type Verb } from './twiml.ts'
import type { SimCall } from './types.ts'

/** Twilio gives a webhook 15 s before it counts as failed (error 11205). */
const WEBHOOK_TIMEOUT_MS = 15_000

export interface WebhookRequest {
  url: string
  method: HttpMethod
  params: Record<string, string>
}

/** An HTTP failure fetching TwiML: 11200 retrieval failure, 12300 invalid content type. */
export class WebhookError extends Error {
  override name = 'WebhookError'
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

/** The parameters Twilio sends with every voice webhook for this call. */
export function callParams(core: Core, call: SimCall): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: core.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: call.status,
    Called: call.to,
    Caller: call.from,
    Direction: call.direction,
    From: call.from,
    To: call.to,
    ...call.extraParams,
  }
  if (call.parentCallSid) params.ParentCallSid = call.parentCallSid
  return params
}

/**
 * Sends one request the way Twilio does: form-encoded POST (or GET with the parameters in the
 * query string), signed with `X-Twilio-Signature` over the exact URL and the parameters.
 */
export async function sendWebhook(
  core: Core,
  call: SimCall | undefined,
  req: WebhookRequest,
  signal?: AbortSignal,
): Promise<TransportResponse> {
  let url = req.url
  let body: string | undefined
  let signature: string
  const headers: Record<string, string> = {
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
    'Cache-Control': 'max-age=259200',
  }
  if (req.method === 'GET') {
    const query = new URLSearchParams(req.params).toString()
    if (query) url += (url.includes('?') ? '&' : '?') + query
    signature = twilio.getExpectedTwilioSignature(core.authToken, url, {})
  } else {
    body = new URLSearchParams(req.params).toString()
    headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8'
    signature = twilio.getExpectedTwilioSignature(core.authToken, url, req.params)
  }
  headers['X-Twilio-Signature'] = signature
  // Not the simulator's lifetime signal: thousands of waits listen to it, and adding one more
  // listener to an EventTarget walks them all (it was a tenth of the simulator's CPU in a busy
  // bench). close() destroys the transport's connections instead, which ends these requests.
  if (core.lifetime.signal.aborted) throw ABORTED
  const signals = signal ? [signal] : []
  let res: TransportResponse
  try {
    res = await core.transport({
      url,
      method: req.method,
      headers,
      body,
      signals,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
    })
  } catch (e) {
    if (signal?.aborted || core.lifetime.signal.aborted) throw ABORTED
    if (call) emit(core, { type: 'webhook', callSid: call.sid, ...req, status: undefined })
    const reason = e instanceof Error ? e.message : String(e)
    throw new WebhookError(11200, `HTTP retrieval failure: ${req.method} ${req.url}: ${reason}`)
  }
  if (call) emit(core, { type: 'webhook', callSid: call.sid, ...req, status: res.status })
  core.logger?.debug({ callSid: call?.sid, url: req.url, status: res.status }, 'simulator webhook')
  return res
}

/** Fetches and parses a TwiML document; any failure is an error Twilio would report. */
export async function fetchTwiml(
  core: Core,
  call: SimCall,
  req: WebhookRequest,
  signal: AbortSignal,
): Promise<Verb[]> {
  const res = await sendWebhook(core, call, req, signal)
  if (res.status < 200 || res.status >= 300) {
    throw new WebhookError(11200, `HTTP retrieval failure: ${req.url} answered ${res.status}`)
  }
  if (!/xml|html/i.test(res.contentType) && res.contentType !== '') {
    throw new WebhookError(12300, `Invalid Content-Type "${res.contentType}" from ${req.url}`)
  }
  return parseTwiml(res.body)
}

export function errorCode(e: unknown): number {
  if (e instanceof WebhookError || e instanceof TwimlError) return e.code
  return 11200
}

/** Anything whose callbacks must leave in order (a call, a conference). */
export interface CallbackChain {
  callbackChain: Promise<void>
}

/**
 * A callback whose answer Twilio ignores (status callbacks, an action after hangup). Sent in
 * the background, in order per `chain`; a failure is logged, as Twilio's debugger would show it.
 */
export function postCallback(
  core: Core,
  chain: CallbackChain | undefined,
  call: SimCall | undefined,
  req: WebhookRequest,
): void {
  const send = async () => {
    try {
      const res = await sendWebhook(core, call, req)
      if (res.status >= 400) {
        core.logger?.warn({ url: req.url, status: res.status }, 'simulator callback failed')
      }
    } catch (e) {
      if (e instanceof AbortedError) return
      core.logger?.warn({ err: e, url: req.url }, 'simulator callback failed')
    }
  }
  if (!chain) return track(core, send())
  const next = chain.callbackChain.then(send)
  chain.callbackChain = next
  track(core, next)
}

/** Resolves a TwiML URL (action, Redirect) against the document it came from. */
export function resolveUrl(url: string, base: string | undefined): string {
  // An absolute URL is used exactly as written: the signature is computed over it.
  if (/^https?:\/\//i.test(url)) return url
  try {
    return new URL(url, base).toString()
  } catch {
    throw new TwimlError(12200, `Cannot resolve URL "${url}"${base ? ` against ${base}` : ''}`)
  }
}
