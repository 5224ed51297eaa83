import { errorText } from './i18n.js'
import { useEffect, useRef, useState } from './vendor/preact.js'

/** The console's one way to the server: JSON over /api with the session cookie. */

/** `message` is in the page's language (see errorText); `serverMessage` is the API's own. */
export class ApiError extends Error {
  constructor(status, body, context) {
    const code = body?.error?.code
    const serverMessage = body?.error?.message ?? `HTTP ${status}`
    super(errorText(code, serverMessage, context))
    this.status = status
    this.code = code
    this.serverMessage = serverMessage
    this.body = body
  }
}

/** `context` picks a form's own wording of an error code (e.g. 'login'). */
export async function api(path, { method = 'GET', body, context } = {}) {
  const res = await fetch(`/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      // Changes carry this header; the server refuses cookie-authenticated changes without it.
      'x-shouwen-console': '1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  // A proxy's HTML error page is not JSON: the status alone then says what went wrong.
  const data =
    text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined
  if (!res.ok) throw new ApiError(res.status, data, context)
  return data
}

/** Live hints from the server; `onHint(type, data)` for each. Returns a closer. */
export function liveHints(onHint) {
  const source = new EventSource('/api/stream')
  for (const t of ['case_event', 'notification', 'offer', 'presence', 'call']) {
    source.addEventListener(t, (e) => onHint(t, JSON.parse(e.data)))
  }
  // The server ended this stream on purpose (logged out, token revoked, or too many open tabs:
  // this was the oldest); reconnecting would only repeat that, so stay closed. A stream cut by
  // a restart has no such event, and EventSource reconnects by itself.
  source.addEventListener('end', (e) => {
    const { reason } = JSON.parse(e.data)
    if (reason === 'revoked' || reason === 'replaced') source.close()
  })
  return () => source.close()
}

/** Calls `f` at most once per `ms`, trailing: bursts of hints cause one refresh. */
export function debounce(f, ms = 300) {
  let timer
  return (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => f(...args), ms)
  }
}

/** Data from `path`, reloaded when it changes; `load()` again after an action. */
export function useLoad(path) {
  const [data, setData] = useState(undefined)
  const [error, setError] = useState('')
  // The path asked for last: an answer for an earlier one (the period typed over before its
  // report arrived) must not replace the newer one's.
  const latest = useRef(path)
  latest.current = path
  const load = () =>
    api(path)
      .then((d) => {
        if (latest.current !== path) return
        setData(d)
        setError('')
      })
      .catch((e) => {
        if (latest.current === path) setError(e.message)
      })
  useEffect(() => {
    void load()
  }, [path])
  return { data, error, load }
}
