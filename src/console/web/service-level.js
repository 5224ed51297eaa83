import { useLoad } from './api.js'
import { t } from './i18n.js'
import { html, useState } from './vendor/preact.js'

/**
 * The service level (15秒接通率): the rates page's table for a period, and the live board's
 * "today so far". Definitions: README, "Service level".
 */

const pct = (rate) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`)
const secs = (s) => (s === null || s === undefined ? '—' : `${s} s`)
const thisMonth = () => new Date().toISOString().slice(0, 7)
const DIMENSIONS = ['hotline', 'day', 'hour', 'agent']

/** One period's service level by hotline, day, hour or agent, with the total and a CSV link. */
export function ServiceLevel() {
  const [period, setPeriod] = useState(thisMonth())
  const [by, setBy] = useState('hotline')
  const q = `period=${encodeURIComponent(period)}&by=${by}`
  const report = useLoad(`/rates/service-level?${q}`)
  const r = report.data
  const agent = r?.by === 'agent'
  const row = (g) =>
    html`<tr data-testid=${`sl-row-${g.code}`}>
      <td>
        ${g.label}${g.code !== 'all' && g.label !== g.code ? html` <span class="muted">${g.code}</span>` : null}
      </td>
      <td>${g.offered}</td>
      <td>${g.answeredWithin}</td>
      <td data-testid=${`sl-rate-${g.code}`}>${pct(g.serviceLevel)}</td>
      <td>${g.answeredLater}</td>
      <td>${g.abandoned} <span class="muted">(${g.abandonedShort})</span></td>
      <td>${g.voicemail}</td>
      <td>${secs(g.waitAvgSeconds)}</td>
      <td>${secs(g.waitP90Seconds)}</td>
      <td>${secs(g.waitMaxSeconds)}</td>
      ${
        agent
          ? html`<td>${secs(g.handleAvgSeconds)}</td>
              <td>${g.missedOffers}</td>`
          : null
      }
    </tr>`
  return html`<section class="card" data-testid="service-level">
    <h2>15秒接通率 service level</h2>
    <div class="row">
      <div>
        <label for="sl-period">${t('period')} (2026-11 / 2026-W48 / 2026-11-05)</label
        ><input
          id="sl-period"
          value=${period}
          onChange=${(e) => setPeriod(e.currentTarget.value)}
        />
      </div>
      <div>
        <label for="sl-by">${t('by')} (接通率 service level)</label>
        <select id="sl-by" value=${by} onChange=${(e) => setBy(e.currentTarget.value)}>
          ${DIMENSIONS.map((d) => html`<option value=${d}>${d}</option>`)}
        </select>
      </div>
      <a href=${`/api/rates/service-level.csv?${q}`}><button class="plain">${t('csv')}</button></a>
    </div>
    ${report.error ? html`<p class="error">${report.error}</p>` : null}
    ${
      r
        ? html`<table data-testid="service-level-table">
            <tr>
              <th></th>
              <th>呼入 offered</th>
              <th>≤ ${r.bounds.answerSeconds} s</th>
              <th>接通率 rate</th>
              <th>${'>'} ${r.bounds.answerSeconds} s</th>
              <th>放弃 abandoned (≤ ${r.bounds.shortAbandonSeconds} s)</th>
              <th>留言 voicemail</th>
              <th>平均等待 avg wait</th>
              <th>p90</th>
              <th>最长 longest</th>
              ${
                agent
                  ? html`<th>处理时长 handle</th>
                      <th>未接 missed rings</th>`
                  : null
              }
            </tr>
            ${r.groups.map(row)} ${row(r.total)}
          </table>`
        : null
    }
  </section>`
}

/** The live board's line: calls offered since local midnight and how fast they were answered. */
export function TodayServiceLevel({ today }) {
  if (!today) return null
  const low = today.serviceLevel !== null && today.serviceLevel < 0.99
  return html`<section class="card" data-testid="board-service-level">
    <h2>今日接通 today so far <span class="muted">${today.day}</span></h2>
    <table>
      <tr>
        <th>呼入 offered</th>
        <th>≤ ${today.answerSeconds} s</th>
        <th>接通率 rate</th>
        <th>放弃 abandoned</th>
        <th>平均等待 avg wait</th>
        <th>最长 longest</th>
      </tr>
      <tr>
        <td data-testid="today-offered">${today.offered}</td>
        <td>${today.answeredWithin}</td>
        <td data-testid="today-rate">
          <span class=${`pill ${today.serviceLevel === null ? '' : low ? 'bad' : 'ok'}`}
            >${pct(today.serviceLevel)}</span
          >
        </td>
        <td>${today.abandoned}</td>
        <td>${secs(today.waitAvgSeconds)}</td>
        <td>${secs(today.waitMaxSeconds)}</td>
      </tr>
    </table>
  </section>`
}
