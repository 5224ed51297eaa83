import type { SimulatorCase, SimulatorDirectory } from './simulator.routes.ts'
import type { SimEvent, SimSnapshot } from './types.ts'

/** The terminal's side of the control API: JSON requests and the SSE event stream. */

export class ServiceUnreachableError extends Error {
  override name = 'ServiceUnreachableError'
}

/** The service answered 404: the call, device or case asked about does not exist. */
export class NoSuchThingError extends Error {
  override name = 'NoSuchThingError'
}

export interface ControlClient {
  base: string
  directory(): Promise<SimulatorDirectory>
  state(): Promise<SimSnapshot>
  placeCall(body: { from: string; to: string; callerName?: string }): Promise<{ callSid: string }>
  callAction(
    sid: string,
    action: 'digits' | 'speak' | 'hangup' | 'answer' | 'reject',
    body?: object,
  ): Promise<void>
  registerDevice(address: string, autoAnswer?: { afterMs: number; digits?: string }): Promise<void>
  unregisterDevice(address: string): Promise<void>
  /** The case a call belongs to; undefined while it has none. */
  caseOfCall(sid: string): Promise<SimulatorCase | undefined>
  /** Follows /events until `signal` aborts; reconnects after drops. */
  follow(
    onEvent: (e: SimEvent) => void,
    onStatus: (msg: string) => void,
    signal: AbortSignal,
  ): Promise<void>
}

export function createControlClient(serviceUrl: string): ControlClient {
  const base = serviceUrl.replace(/\/+$/, '') + '/simulator'

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (e) {
      throw new ServiceUnreachableError(
        `Cannot reach the Shouwen service at ${serviceUrl} (${(e as Error).message}).\n` +
          'Start it first in another terminal: `npm start` (or `npm run demo` for demo data).',
      )
    }
    if (res.status === 404 && path === '/directory') {
      throw new ServiceUnreachableError(
        `${serviceUrl} answers, but has no simulator: it is running against real Twilio.\n` +
          'Restart it with TWILIO_MODE=simulator (and no Twilio credentials) to use the simulator.',
      )
    }
    const text = await res.text()
    const json: unknown = text ? JSON.parse(text) : undefined
    if (!res.ok) {
      const message = (json as { error?: { message?: string } } | undefined)?.error?.message
      const text = message ?? `${method} ${path} answered ${res.status}`
      throw res.status === 404 ? new NoSuchThingError(text) : new Error(text)
    }
    return json as T
  }

  return {
    base,
    directory: () => request('GET', '/directory'),
    state: () => request('GET', '/state'),
    placeCall: (body) => request('POST', '/calls', body),
    callAction: (sid, action, body) => request('POST', `/calls/${sid}/${action}`, body ?? {}),
    registerDevice: (address, autoAnswer) => request('POST', '/devices', { address, autoAnswer }),
    unregisterDevice: (address) => request('DELETE', `/devices/${encodeURIComponent(address)}`),
    caseOfCall: (sid) =>
      request<SimulatorCase>('GET', `/calls/${sid}/case`).catch((e: unknown) => {
        if (e instanceof NoSuchThingError) return undefined
        throw e
      }),
    async follow(onEvent, onStatus, signal) {
      let connectedBefore = false
      while (!signal.aborted) {
        try {
          const res = await fetch(`${base}/events`, { signal })
          if (!res.ok || !res.body) throw new Error(`events answered ${res.status}`)
          if (connectedBefore) onStatus('event stream reconnected')
          connectedBefore = true
          await readStream(res.body as ReadableStream<Uint8Array>, onEvent)
          if (!signal.aborted) onStatus('event stream ended (service stopped?); retrying…')
        } catch (e) {
          if (signal.aborted) return
          onStatus(`event stream lost (${(e as Error).message}); retrying…`)
        }
        await new Promise((resolve) => setTimeout(resolve, 2000))
      }
    },
  }
}

async function readStream(body: ReadableStream<Uint8Array>, onEvent: (e: SimEvent) => void) {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n')
      if (data) onEvent(JSON.parse(data) as SimEvent)
    }
  }
}
