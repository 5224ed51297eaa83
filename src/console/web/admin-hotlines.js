import { useLoad } from './api.js'
import { t } from './i18n.js'
import { useAction } from './use-action.js'
import { html } from './vendor/preact.js'

const MODES = ['off', 'notice', 'silent']

/** Each hotline's call recording: off, on with the notice in the greeting, or on silently. */
export function Hotlines({ isAdmin }) {
  const hotlines = useLoad('/admin/hotlines')
  const act = useAction(() => void hotlines.load())
  return html`<section class="card" data-testid="admin-hotlines">
    <h2>${t('hotlinesRecording')}</h2>
    ${hotlines.error || act.message ? html`<p class="error">${hotlines.error || act.message}</p>` : null}
    <table>
      ${(hotlines.data?.hotlines ?? []).map(
        (h) =>
          html`<tr>
            <td>
              ${h.name}
              <div class="muted">${h.number}</div>
            </td>
            <td>
              ${
                isAdmin
                  ? html`<select
                      aria-label=${`${t('recordingSetting')} ${h.number}`}
                      value=${h.recording}
                      onChange=${(e) =>
                        act.run(`/admin/hotlines/${encodeURIComponent(h.number)}`, 'PATCH', {
                          recording: e.currentTarget.value,
                        })()}
                    >
                      ${MODES.map((m) => html`<option value=${m}>${t(`recordingMode_${m}`)}</option>`)}
                    </select>`
                  : t(`recordingMode_${h.recording}`)
              }
            </td>
          </tr>`,
      )}
    </table>
    <p class="muted">${t('recordingNoticeHint')}</p>
  </section>`
}
