import { t } from './i18n.js'
import { html, useEffect, useRef, useState } from './vendor/preact.js'

/**
 * A phone played in the browser against the local simulator (simulator mode only): it registers
 * an address (a caller's number or an agent's client identity) so calls to it ring here, shows
 * what the other side says as text, and sends keys. The simulator signs and sends Twilio's
 * webhooks to the service exactly as Twilio would.
 */

async function sim(path, body) {
  const res = await fetch(`/simulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok)
    throw new Error((await res.json().catch(() => ({})))?.error?.message ?? res.statusText)
  return res.status === 204 ? undefined : res.json()
}

export const simulatorDirectory = () => sim('/directory')

const ENDED = ['completed', 'busy', 'failed', 'no-answer', 'canceled']

export function useSimPhone(address) {
  const [calls, setCalls] = useState({})
  const mine = useRef(new Set())
  useEffect(() => {
    if (!address) return undefined
    void sim('/devices', { address })
    const source = new EventSource('/simulator/events')
    source.onmessage = (m) => {
      const e = JSON.parse(m.data)
      if (e.type === 'incoming' && e.address === address) mine.current.add(e.callSid)
      if (!mine.current.has(e.callSid)) return
      setCalls((all) => {
        const c = all[e.callSid] ?? {
          sid: e.callSid,
          lines: [],
          status: 'ringing',
          incoming: false,
        }
        const next = { ...c, lines: c.lines }
        if (e.type === 'incoming')
          Object.assign(next, { incoming: true, from: e.from, status: 'ringing' })
        if (e.type === 'answered') next.status = 'in-progress'
        if (e.type === 'status') next.status = e.status
        if (e.type === 'ended') next.status = e.status
        if (e.type === 'say') next.lines = [...c.lines, e.text]
        if (e.type === 'conference-hold')
          next.lines = [...c.lines, e.hold ? '♪ (on hold)' : '(off hold)']
        return { ...all, [e.callSid]: next }
      })
    }
    return () => source.close()
  }, [address])
  const list = Object.values(calls)
  const current = list.filter((c) => !ENDED.includes(c.status)).at(-1) ?? list.at(-1)
  return {
    address,
    current,
    async place(to) {
      const { callSid } = await sim('/calls', { from: address, to })
      mine.current.add(callSid)
      setCalls((all) => ({
        ...all,
        [callSid]: { sid: callSid, lines: [], status: 'queued', incoming: false },
      }))
    },
    answer: (sid) => sim(`/calls/${sid}/answer`, {}),
    press: (sid, digits) => sim(`/calls/${sid}/digits`, { digits }),
    hangup: (sid) => sim(`/calls/${sid}/hangup`, {}),
  }
}

export function PhonePanel({ phone, title }) {
  const c = phone.current
  const heard = useRef(null)
  useEffect(() => {
    if (heard.current) heard.current.scrollTop = heard.current.scrollHeight
  })
  const live = c && !ENDED.includes(c.status)
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']
  return html`<section class="card phone" data-testid="phone">
    <h2>${title} <span class="muted">${phone.address}</span></h2>
    ${
      c
        ? html`<div>
            <span class="pill" data-testid="phone-status">${c.status}</span>
            ${
              c.incoming && c.status === 'ringing'
                ? html` <span class="pill warn">${t('incoming')} ${c.from ?? ''}</span>
                    <button data-testid="phone-answer" onClick=${() => phone.answer(c.sid)}>
                      ${t('answer')}
                    </button>`
                : null
            }
            ${
              live
                ? html` <button
                    class="danger"
                    data-testid="phone-hangup"
                    onClick=${() => phone.hangup(c.sid)}
                  >
                    ${t('hangup')}
                  </button>`
                : null
            }
          </div>`
        : html`<p class="muted">—</p>`
    }
    <div class="heard" ref=${heard} data-testid="phone-heard">
      ${(c?.lines ?? []).map((l) => html`<p>${l}</p>`)}
    </div>
    <div class="keypad">
      ${keys.map(
        (k) =>
          html`<button
            class="plain"
            data-testid=${`key-${k}`}
            disabled=${!live}
            onClick=${() => phone.press(c.sid, k)}
          >
            ${k}
          </button>`,
      )}
    </div>
  </section>`
}
