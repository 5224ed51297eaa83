import { api } from './api.js'
import { useState } from './vendor/preact.js'

/** An administration change: runs the call, reloads after it, keeps the error (in the page's language). */
export function useAction(after) {
  const [message, setMessage] = useState('')
  const run = (path, method, body) => async () => {
    setMessage('')
    try {
      await api(path, { method, body })
      after()
    } catch (e) {
      setMessage(e.message)
    }
  }
  return { message, run }
}
