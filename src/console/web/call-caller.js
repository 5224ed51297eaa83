import { api } from './api.js'
import { t } from './i18n.js'
import { html, useEffect, useState } from './vendor/preact.js'

/**
 * "Call the caller" on the case: the browser softphone rings the case's caller (or the contact
 * phone on the case) from the case's hotline. The server lists the numbers to whoever may work
 * on the case, and the TwiML App's webhook checks the call again; nothing else can be dialled.
 */
export function CallCaller({ reference, phone, contactPhone }) {
  const [numbers, setNumbers] = useState([])
  const [message, setMessage] = useState('')
  const can = Boolean(phone?.callCase)
  useEffect(() => {
    if (!can) return
    api(`/cases/${reference}/dialable`)
      .then((r) => setNumbers(r.numbers))
      .catch(() => setNumbers([]))
  }, [reference, contactPhone, can])
  if (!can || numbers.length === 0) return null
  const busy = phone.state !== 'ready' || (phone.current && !ENDED.includes(phone.current.status))
  const call = (target) => async () => {
    setMessage('')
    try {
      await phone.callCase({ caseRef: reference, to: target })
    } catch (e) {
      setMessage(e.message)
    }
  }
  return html`<p class="row" data-testid="call-numbers">
    ${numbers.map(
      (n) =>
        html`<button
          class="plain"
          data-testid=${n.target === 'caller' ? 'call-caller' : 'call-contact'}
          disabled=${busy}
          onClick=${call(n.target)}
        >
          ${t(n.target === 'caller' ? 'callCaller' : 'callContact')} ${n.number}
        </button>`,
    )}
    ${message ? html`<span class="error">${message}</span>` : null}
  </p>`
}

const ENDED = ['completed', 'canceled', 'rejected']
