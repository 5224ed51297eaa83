import http from 'node:http'
import https from 'node:https'

/** One webhook request as the simulator sends it; the transport only moves bytes. */
export interface TransportRequest {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  /** Any of these aborting withdraws the request (the call moved on, the simulator closed). */
  signals: readonly AbortSignal[]
  /** Twilio's own limit on a webhook; past it the request fails with a TimeoutError. */
  timeoutMs: number
}

export interface TransportResponse {
  status: number
  contentType: string
  body: string
}

export type WebhookTransport = (req: TransportRequest) => Promise<TransportResponse>

/** Raised when `timeoutMs` passed with no whole answer; its name is what callers look for. */
export class TransportTimeoutError extends Error {
  override name = 'TimeoutError'
}

/**
 * Webhooks over node:http with keep-alive, as Twilio's edge reuses its connections.
 *
 * Why not fetch: in a day's bench the simulated Twilio sends thousands of webhooks a minute, and
 * undici's fetch (WHATWG streams, AbortSignal.any per request, DOMException on every abort) cost
 * it as much CPU as one web process of the service it was measuring, on the same two cores.
 */
export function createHttpTransport(): { send: WebhookTransport; close: () => void } {
  const agents = {
    // No cap on sockets: Twilio does not queue a webhook behind others to the same host.
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  }
  let closed = false
  const send: WebhookTransport = (r) =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error('The transport is closed'))
      let url: URL
      try {
        url = new URL(r.url)
      } catch {
        return reject(new Error(`Invalid URL: ${r.url}`))
      }
      const protocol =
        url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : ''
      if (!protocol) return reject(new Error(`Unsupported protocol ${url.protocol}`))
      const withdrawn = r.signals.find((s) => s.aborted)
      if (withdrawn) return reject(abortReason(withdrawn))

      const headers: Record<string, string | number> = { ...r.headers }
      if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body)
      const lib = protocol === 'https:' ? https : http
      let req: http.ClientRequest | undefined

      let settled = false
      const finish = (err: Error | undefined, res?: TransportResponse) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        for (const s of r.signals) s.removeEventListener('abort', onAbort)
        if (err) {
          req?.destroy()
          reject(err)
        } else if (res) resolve(res)
      }
      const onAbort = (e: Event) => finish(abortReason(e.target as AbortSignal))
      for (const s of r.signals) s.addEventListener('abort', onAbort)
      const timer = setTimeout(
        () => finish(new TransportTimeoutError(`No answer within ${r.timeoutMs} ms`)),
        r.timeoutMs,
      )

      const attempt = (retry: boolean) => {
        const sent = lib.request(url, { method: r.method, headers, agent: agents[protocol] })
        req = sent
        sent.on('error', (e: NodeJS.ErrnoException) => {
          // A kept connection the server closed as we reused it (its idle timeout): the request
          // never reached it, so it goes again on a new connection, as Node's docs advise.
          if (retry && sent.reusedSocket && e.code === 'ECONNRESET' && !settled && !closed)
            attempt(false)
          else finish(e)
        })
        sent.on('response', (res) => {
          res.setEncoding('utf8')
          let body = ''
          res.on('data', (chunk: string) => (body += chunk))
          res.on('error', (e) => finish(e))
          res.on('end', () =>
            finish(undefined, {
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body,
            }),
          )
        })
        sent.end(r.body)
      }
      attempt(true)
    })
  /** Ends every request in flight (their connections are destroyed) and refuses new ones. */
  const close = () => {
    closed = true
    agents['http:'].destroy()
    agents['https:'].destroy()
  }
  return { send, close }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}
