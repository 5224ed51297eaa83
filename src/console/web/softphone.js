import { t } from './i18n.js'
import { PhonePanel, useSimPhone } from './sim-phone.js'
import { useTwilioPhone } from './twilio-phone.js'
import { html } from './vendor/preact.js'

/**
 * The workspace's one phone, whichever plays it: `/console/config`'s `phone` says which. The
 * simulator's (simulator mode) and Twilio's Voice SDK (live mode with the softphone configured)
 * share one shape: `kind`, `address`, `current` ({ sid, status, incoming, from }), `answer`,
 * `press`, `hangup`, and `callCase` where the phone can call a case's caller. `none`: the agent
 * is rung on their own phone number, and the page has no phone.
 *
 * `online`: the agent takes calls (not away); `onLost(why)`: the phone cannot ring any more.
 */
export function usePhone(config, { online, onLost }) {
  const sim = useSimPhone(config.phone === 'simulator' ? config.device : undefined)
  const twilio = useTwilioPhone({ enabled: config.phone === 'twilio', online, onLost })
  if (config.phone === 'simulator') return { ...sim, kind: 'simulator', state: 'ready' }
  if (config.phone === 'twilio') return twilio
  return undefined
}

/** The phone's card, in the form its kind needs. */
export function PhoneCard({ phone }) {
  if (!phone) return null
  if (phone.kind === 'simulator') return html`<${PhonePanel} phone=${phone} title=${t('phone')} />`
  return html`<${TwilioPanel} phone=${phone} />`
}

const STATE_TEXT = {
  off: 'softphoneOff',
  connecting: 'softphoneConnecting',
  ready: 'softphoneReady',
  unreachable: 'softphoneUnreachable',
  mic_refused: 'softphoneMicRefused',
  not_configured: 'softphoneNotConfigured',
  error: 'softphoneError',
}
const WARNING = ['unreachable', 'mic_refused', 'not_configured', 'error']
const ENDED = ['completed', 'canceled', 'rejected']

function TwilioPanel({ phone }) {
  const c = phone.current
  const live = c && !ENDED.includes(c.status)
  const ringing = live && c.incoming && c.status === 'ringing'
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']
  const warn = WARNING.includes(phone.state)
  return html`<section class="card phone" data-testid="softphone">
    <h2>${t('phone')} <span class="muted">${phone.address}</span></h2>
    <p>
      <span
        class=${`pill ${warn ? 'bad' : phone.state === 'ready' ? '' : 'warn'}`}
        data-testid="softphone-state"
        data-state=${phone.state}
        role=${warn ? 'alert' : 'status'}
        >${t(STATE_TEXT[phone.state] ?? phone.state)}</span
      >
    </p>
    ${warn ? html`<p class="error" data-testid="softphone-warning">${t('softphoneSetAway')} ${phone.problem}</p>` : null}
    ${
      c
        ? html`<div class="row">
            <span class="pill" data-testid="phone-status">${c.status}</span>
            ${ringing ? html`<span class="pill warn">${t('incoming')}</span>` : null}
            ${
              ringing
                ? html`<button data-testid="softphone-accept" onClick=${phone.accept}>
                      ${t('acceptOffer')}
                    </button>
                    <button class="plain" data-testid="softphone-answer" onClick=${phone.answer}>
                      ${t('answer')}
                    </button>
                    <button class="plain" data-testid="softphone-decline" onClick=${phone.decline}>
                      ${t('decline')}
                    </button>`
                : null
            }
            ${
              live && !ringing
                ? html`${c.incoming ? html`<button class="plain" onClick=${phone.accept}>${t('acceptOffer')}</button>` : null}
                    <button class="plain" data-testid="softphone-mute" onClick=${phone.mute}>
                      ${c.muted ? t('unmute') : t('mute')}
                    </button>
                    <button class="danger" data-testid="phone-hangup" onClick=${phone.hangup}>
                      ${t('hangup')}
                    </button>`
                : null
            }
          </div>`
        : null
    }
    ${
      c
        ? html`<div class="keypad">
            ${keys.map(
              (k) =>
                html`<button
                  class="plain"
                  data-testid=${`key-${k}`}
                  disabled=${!live || ringing}
                  onClick=${() => phone.press(c.sid, k)}
                >
                  ${k}
                </button>`,
            )}
          </div>`
        : null
    }
    <${AudioChoice} phone=${phone} />
  </section>`
}

/** Which microphone and speaker the softphone uses (the speaker where the browser allows). */
function AudioChoice({ phone }) {
  const a = phone.audio
  if (!a.inputs.length && !a.outputs.length) return null
  const pick = (set) => (e) => void set(e.currentTarget.value).catch(() => {})
  return html`<div class="row">
    <div>
      <label for="softphone-input">${t('microphone')}</label>
      <select id="softphone-input" value=${a.input} onChange=${pick(phone.setInput)}>
        ${a.inputs.map((d) => html`<option value=${d.id}>${d.label}</option>`)}
      </select>
    </div>
    ${
      a.outputs.length
        ? html`<div>
            <label for="softphone-output">${t('speaker')}</label>
            <select id="softphone-output" value=${a.output} onChange=${pick(phone.setOutput)}>
              ${a.outputs.map((d) => html`<option value=${d.id}>${d.label}</option>`)}
            </select>
          </div>`
        : null
    }
  </div>`
}
