import { api, useLoad } from './api.js'
import { t } from './i18n.js'
import { RecordingsOf } from './recordings.js'
import { html, useState } from './vendor/preact.js'

const thisMonth = () => new Date().toISOString().slice(0, 7)

/** The month's quality sample (≥ 10 % of closed cases per category) and its return calls. */
export function Quality() {
  const [month, setMonth] = useState(thisMonth())
  const report = useLoad(`/rates/quality-sample?month=${month}`)
  const [message, setMessage] = useState('')
  const draw = async () => {
    try {
      // The month goes in the query string, where the API reads it.
      await api(`/rates/quality-sample?month=${encodeURIComponent(month)}`, { method: 'POST' })
      void report.load()
    } catch (e) {
      setMessage(e.message)
    }
  }
  const outcome = (id, body) => async () => {
    try {
      await api(`/rates/quality-sample/${id}`, { method: 'POST', body })
      void report.load()
    } catch (e) {
      setMessage(e.message)
    }
  }
  const r = report.data
  return html`<section class="card" data-testid="quality">
    <div class="row">
      <div>
        <label for="quality-month">${t('month')}</label
        ><input
          id="quality-month"
          value=${month}
          onChange=${(e) => setMonth(e.currentTarget.value)}
        />
      </div>
      <button onClick=${draw}>Draw sample</button>
    </div>
    ${report.error || message ? html`<p class="error">${report.error || message}</p>` : null}
    ${
      r
        ? html`<table>
              <tr>
                <th>${t('category')}</th>
                <th>closed</th>
                <th>required</th>
                <th>drawn</th>
                <th>done</th>
              </tr>
              ${r.categories.map(
                (c) =>
                  html`<tr>
                    <td>${c.categoryCode ?? '—'}</td>
                    <td>${c.closed}</td>
                    <td>${c.required}</td>
                    <td>${c.drawn}</td>
                    <td>${c.done}</td>
                  </tr>`,
              )}
            </table>
            <table>
              <tr>
                <th>Case</th>
                <th>${t('status')}</th>
                <th></th>
              </tr>
              ${r.samples.map(
                (s) =>
                  html`<tr>
                    <td>${s.caseReference} <${RecordingsOf} reference=${s.caseReference} /></td>
                    <td>
                      ${s.status} ${s.rating ?? ''}
                      ${
                        s.detailsCorrect === null
                          ? null
                          : s.detailsCorrect
                            ? ` · ${t('detailsRight')}`
                            : ` · ${t('detailsWrong')}: ${s.wrongFields.map((f) => t(f)).join(', ')}`
                      }
                    </td>
                    <td>
                      ${s.status === 'pending' ? html`<${SampleCall} sample=${s} record=${outcome} />` : null}
                    </td>
                  </tr>`,
              )}
            </table>`
        : null
    }
  </section>`
}

// The recorded details the caller is asked to confirm (信息准确率); the API's field names.
const DETAIL_FIELDS = [
  'contactName',
  'contactPhone',
  'place',
  'content',
  'category',
  'variant',
  'urgency',
]

/** One sampled case's call: were the recorded details right (which not), and the outcome. */
function SampleCall({ sample, record }) {
  const [details, setDetails] = useState('')
  const [wrong, setWrong] = useState([])
  const id = `details-${sample.id}`
  const asked =
    details === ''
      ? {}
      : details === 'yes'
        ? { detailsCorrect: true }
        : { detailsCorrect: false, wrongFields: wrong }
  const toggle = (f) => (e) =>
    setWrong(e.currentTarget.checked ? [...wrong, f] : wrong.filter((w) => w !== f))
  return html`<div class="stack">
    <div>
      <label for=${id}>${t('detailsQuestion')}</label>
      <select id=${id} value=${details} onChange=${(e) => setDetails(e.currentTarget.value)}>
        <option value="">${t('detailsNotAsked')}</option>
        <option value="yes">${t('detailsRight')}</option>
        <option value="no">${t('detailsWrong')}</option>
      </select>
    </div>
    ${
      details === 'no'
        ? html`<fieldset>
            <legend>${t('wrongFields')}</legend>
            ${DETAIL_FIELDS.map(
              (f) =>
                html`<label
                  ><input type="checkbox" checked=${wrong.includes(f)} onChange=${toggle(f)} />
                  ${t(f)}</label
                >`,
            )}
          </fieldset>`
        : null
    }
    <div class="row">
      <button class="plain" onClick=${record(sample.id, { satisfied: true, rating: 5, ...asked })}>
        satisfied
      </button>
      <button class="plain" onClick=${record(sample.id, { satisfied: false, rating: 2, ...asked })}>
        not satisfied
      </button>
      <button class="plain" onClick=${record(sample.id, { unreachable: true })}>unreachable</button>
    </div>
  </div>`
}
