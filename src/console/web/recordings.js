import { api } from './api.js'
import { t, when } from './i18n.js'
import { html, useState } from './vendor/preact.js'

/**
 * The case's call recordings, each with a player. The audio comes from our own route, which
 * streams it from Twilio for whoever may read the case: the page never sees Twilio's URL.
 */
export function CaseRecordings({ recordings }) {
  if (!recordings?.length) return null
  return html`<section class="card" data-testid="recordings">
    <h2>${t('recordings')}</h2>
    <ul class="recordings">
      ${recordings.map(
        (r) =>
          html`<li data-testid="recording">
            <span class="muted">${when(r.startedAt)}</span>
            ${r.durationSeconds === null ? null : html` · ${duration(r.durationSeconds)}`}
            <div>${r.participants.map(who).join('、')}</div>
            ${
              r.audioUrl
                ? html`<audio controls preload="metadata" src=${r.audioUrl}></audio>`
                : html`<div class="muted">${t(`recording_${r.status}`)}</div>`
            }
          </li>`,
      )}
    </ul>
  </section>`
}

/** A case's recordings on demand (the quality sample: the reviewer listens before calling). */
export function RecordingsOf({ reference }) {
  const [recordings, setRecordings] = useState(undefined)
  const [error, setError] = useState('')
  const open = () =>
    api(`/cases/${reference}`)
      .then((d) => setRecordings(d.recordings))
      .catch((e) => setError(e.message))
  if (recordings === undefined) {
    return html`<button class="plain" data-testid=${`listen-${reference}`} onClick=${open}>
        ${t('listen')}
      </button>
      ${error ? html`<div class="error">${error}</div>` : null}`
  }
  if (recordings.length === 0) return html`<div class="muted">${t('noRecordings')}</div>`
  return html`<${CaseRecordings} recordings=${recordings} />`
}

function who(p) {
  if (p.kind === 'caller') return t('recordingCaller')
  if (p.kind === 'agent') return `${t('recordingAgent')} ${p.jobNumber}`
  return p.name
}

function duration(s) {
  const m = Math.floor(s / 60)
  return `${m}:${String(s % 60).padStart(2, '0')}`
}
