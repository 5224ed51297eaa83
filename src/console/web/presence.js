import { api } from './api.js'
import { t } from './i18n.js'
import { html, useEffect, useState } from './vendor/preact.js'

/**
 * The agent's presence, refetched on every live hint. After a call the server keeps the agent
 * 'busy' in wrap-up (话后整理) until `wrapUpUntil`; the countdown runs on the server's clock
 * (offset by `at`), and at zero the page asks again, which ends the wrap-up on the server.
 */
export function Presence({ config, tick, onPresence }) {
  const [state, setState] = useState({
    presence: config.agent.presence,
    wrapUpUntil: null,
    skewMs: 0,
  })
  const [reason, setReason] = useState('')
  const [error, setError] = useState('')
  const [, setNow] = useState(0)
  const load = () =>
    api('/console/presence')
      .then((p) =>
        setState({
          presence: p.presence,
          wrapUpUntil: p.wrapUpUntil ? new Date(p.wrapUpUntil).getTime() : null,
          pauseReason: p.pauseReason,
          skewMs: new Date(p.at).getTime() - Date.now(),
        }),
      )
      .catch((e) => setError(e.message))
  useEffect(() => {
    void load()
  }, [tick])
  useEffect(() => onPresence?.(state.presence), [state.presence])
  useEffect(() => {
    if (!state.wrapUpUntil) return undefined
    const timer = setInterval(() => {
      setNow(Date.now())
      if (state.wrapUpUntil <= Date.now() + state.skewMs) void load()
    }, 1000)
    return () => clearInterval(timer)
  }, [state.wrapUpUntil])
  const set = async (p) => {
    setError('')
    try {
      await api('/me/presence', {
        method: 'PUT',
        body: { presence: p, ...(p === 'away' ? { reason: reason || 'break' } : {}) },
      })
      setState({
        presence: p,
        wrapUpUntil: null,
        pauseReason: p === 'away' ? reason || 'break' : null,
        skewMs: state.skewMs,
      })
    } catch (e) {
      setError(e.message)
    }
  }
  const left = state.wrapUpUntil
    ? Math.max(0, Math.ceil((state.wrapUpUntil - Date.now() - state.skewMs) / 1000))
    : 0
  return html`<section class="card" data-testid="presence">
    <h2>${t('presence')}</h2>
    <div class="row">
      ${['available', 'busy', 'away'].map(
        (p) =>
          html`<button
            class=${p === state.presence ? '' : 'plain'}
            aria-pressed=${p === state.presence ? 'true' : 'false'}
            data-testid=${`presence-${p}`}
            onClick=${() => set(p)}
          >
            ${t(p)}
          </button>`,
      )}
      ${
        state.wrapUpUntil
          ? html`<span class="pill wrap" data-testid="wrap-up"
              >${t('wrapUp')} ${left} ${t('seconds')}</span
            >`
          : null
      }
    </div>
    ${
      state.presence === 'away' && state.pauseReason
        ? html`<p class="muted" data-testid="away-reason">
            ${t('pauseReason')}: ${state.pauseReason}
          </p>`
        : null
    }
    <label for="presence-reason">${t('pauseReason')}</label>
    <input
      id="presence-reason"
      value=${reason}
      onInput=${(e) => setReason(e.currentTarget.value)}
    />
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </section>`
}
