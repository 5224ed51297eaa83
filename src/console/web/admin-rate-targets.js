import { useLoad } from './api.js'
import { t } from './i18n.js'
import { useAction } from './use-action.js'
import { html, useState } from './vendor/preact.js'

const NAMES = {
  timeliness: '及时率 timeliness',
  satisfaction: '满意率 satisfaction',
  returnCall: '回访率 return calls',
  pass: '合格率 pass',
  classification: '识别率 classification',
  informationAccuracy: '信息准确率 information accuracy',
}

/**
 * The rates' targets (GET/PUT /api/admin/rate-targets): everyone on this page reads them, an
 * administrator changes one at a time, in percent; "more than" is strict (> 98 %).
 */
export function RateTargets({ isAdmin }) {
  const targets = useLoad('/admin/rate-targets')
  const [f, setF] = useState({ rate: 'satisfaction', percent: '', comparison: 'gt' })
  const act = useAction(() => {
    setF({ ...f, percent: '' })
    void targets.load()
  })
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value })
  const save = (e) => {
    e.preventDefault()
    const value = Number(f.percent) / 100
    void act.run('/admin/rate-targets', 'PUT', {
      [f.rate]: { value: Math.round(value * 100_000) / 100_000, comparison: f.comparison },
    })()
  }
  const list = targets.data?.targets ?? {}
  return html`<section class="card" data-testid="admin-rate-targets">
    <h2>${t('targets')}</h2>
    ${act.message ? html`<p class="error" role="alert">${act.message}</p>` : null}
    <table>
      ${Object.entries(list).map(
        ([rate, target]) =>
          html`<tr data-testid=${`target-${rate}`}>
            <td>${NAMES[rate] ?? rate}</td>
            <td>${target.comparison === 'gt' ? '>' : '≥'} ${+(target.value * 100).toFixed(3)}%</td>
          </tr>`,
      )}
    </table>
    ${
      isAdmin
        ? html`<form onSubmit=${save}>
            <div class="row">
              <div>
                <label for="target-rate">${t('rates')}</label>
                <select id="target-rate" value=${f.rate} onChange=${set('rate')}>
                  ${Object.keys(NAMES).map((r) => html`<option value=${r}>${NAMES[r]}</option>`)}
                </select>
              </div>
              <div>
                <label for="target-comparison">${t('comparison')}</label>
                <select id="target-comparison" value=${f.comparison} onChange=${set('comparison')}>
                  <option value="gt">&gt;</option>
                  <option value="gte">≥</option>
                </select>
              </div>
              <div>
                <label for="target-value">${t('targetValue')} (%)</label>
                <input
                  id="target-value"
                  type="number"
                  min="0"
                  max="100"
                  step="0.001"
                  value=${f.percent}
                  onInput=${set('percent')}
                />
              </div>
            </div>
            <p><button type="submit" disabled=${f.percent === ''}>${t('save')}</button></p>
          </form>`
        : null
    }
  </section>`
}
