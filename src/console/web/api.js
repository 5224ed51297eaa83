import { useEffect, useState } from './vendor/preact.js'

/** The console's one way to the server: JSON over /api with the session cookie. */

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

export async function api(path, { method = 'GET', body } = {}) {
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
  const data = text ? JSON.parse(text) : undefined
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

/** Live hints from the server; `onHint(type, data)` for each. Returns a closer. */
export function liveHints(onHint) {
  const source = new EventSource('/api/stream')
  for (const t of ['case_event', 'notification', 'offer', 'presence', 'call']) {
    source.addEventListener(t, (e) => onHint(t, JSON.parse(e.data)))
  }
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
  const load = () =>
    api(path)
      .then((d) => {
        setData(d)
        setError('')
      })
      .catch((e) => setError(e.message))
  useEffect(() => {
    void load()
  }, [path])
  return { data, error, load }
}
