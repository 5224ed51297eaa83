import { api, debounce, liveHints, useLoad } from './api.js'
import { ExtensionDecisions, SupervisorQuestions } from './asks.js'
import { t, when } from './i18n.js'
import { TodayServiceLevel } from './service-level.js'
import { html, useEffect, useState } from './vendor/preact.js'

const thisMonth = () => new Date().toISOString().slice(0, 7)

/** Live board: calls and queue, agents (long pauses flagged), warnings and breaches, agenda. */
export function Board({ config }) {
  const board = useLoad('/board')
  const notes = useLoad('/notifications')
  useEffect(() => {
    const later = debounce(() => {
      void board.load()
      void notes.load()
    }, 300)
    const timer = setInterval(later, 15_000)
    const close = liveHints(() => later())
    return () => {
      clearInterval(timer)
      close()
    }
  }, [])
  const b = board.data
  if (board.error) return html`<p class="error">${board.error}</p>`
  if (!b) return html`<p>…</p>`
  // A year whose holidays are only estimated, as /readyz says it (from November for next year).
  const calendarWarnings = (b.calendarWarnings ?? []).map(
    (w) =>
      html`<p class="error" data-testid="board-calendar-warning" title=${w.message}>
        ${t('calendarEstimated')} ${w.year}
      </p>`,
  )
  return html`<div class="cols">
    <div class="stack">
      ${calendarWarnings}
      <${TodayServiceLevel} today=${b.today} />
      <section class="card" data-testid="board-queue">
        <h2>
          ${t('waiting')}: ${b.queue.waiting} · ${t('connected')}: ${b.queue.connected} · IVR:
          ${b.queue.inMenu}
        </h2>
        <table>
          <tr>
            <th>Case</th>
            <th>${t('category')}</th>
            <th>${t('status')}</th>
            <th>s</th>
            <th>${t('agents')}</th>
          </tr>
          ${b.calls.map(
            (c) =>
              html`<tr>
                <td>${c.reference ?? '—'}</td>
                <td>
                  ${c.category ?? ''}${c.emergency ? html` <span class="pill bad">${t('emergency')}</span>` : null}
                </td>
                <td>
                  ${t(c.state === 'waiting' ? 'waiting' : c.state === 'connected' ? 'connected' : 'IVR')}
                </td>
                <td>${c.waitingSeconds ?? c.talkingSeconds ?? ''}</td>
                <td>${c.agent ?? ''}</td>
              </tr>`,
          )}
        </table>
      </section>
      <section class="card" data-testid="board-agents">
        <h2>${t('agents')}</h2>
        <table>
          ${b.agents.map(
            (a) =>
              html`<tr>
                <td>${a.jobNumber} ${a.name}</td>
                <td>${a.role}</td>
                <td>
                  <span
                    class=${`pill ${a.presence === 'available' ? 'ok' : a.pausedTooLong ? 'bad' : a.wrapUpUntil ? 'wrap' : ''}`}
                    data-testid=${`board-presence-${a.jobNumber}`}
                    >${a.wrapUpUntil ? t('wrapUp') : t(a.presence)}</span
                  >
                  ${a.pauseReason ? html` <span class="muted">${a.pauseReason}</span>` : null}
                  ${a.pausedTooLong ? html` <span class="pill bad">${'>'} 30 min</span>` : null}
                </td>
                <td class="muted">${when(a.since)}</td>
              </tr>`,
          )}
        </table>
      </section>
    </div>
    <div class="stack">
      <${SupervisorQuestions}
        questions=${b.supervisorQuestions ?? []}
        onAnswered=${() => void board.load()}
      />
      ${['manager', 'admin'].includes(config?.agent?.role) ? html`<${ExtensionDecisions} />` : null}
      <section class="card" data-testid="board-escalations">
        <h2>${t('escalations')}</h2>
        <table>
          ${b.escalations.map(
            (e) =>
              html`<tr>
                <td>${e.reference}</td>
                <td>${e.step}</td>
                <td>
                  ${e.breached ? html`<span class="pill bad">breach</span>` : html`<span class="pill warn">80%</span>`}
                </td>
                <td>${when(e.dueAt)}</td>
                <td>${e.owner ?? ''}</td>
              </tr>`,
          )}
        </table>
      </section>
      <section class="card" data-testid="board-agenda">
        <h2>${t('agenda')}</h2>
        ${
          b.agenda.length === 0
            ? html`<p class="muted">${t('none')}</p>`
            : html`<ul>
                ${b.agenda.map((a) => html`<li>${a.reference} (${a.status}) ${when(a.since)}</li>`)}
              </ul>`
        }
      </section>
      <section class="card">
        <h2>${t('notifications')}</h2>
        <ul>
          ${(notes.data?.notifications ?? []).slice(0, 20).map((n) => html`<li><span class="muted">${when(n.createdAt)}</span> ${n.body}</li>`)}
        </ul>
      </section>
    </div>
  </div>`
}

const RATES = [
  'timeliness',
  'satisfaction',
  'returnCall',
  'pass',
  'classification',
  'informationAccuracy',
]
const RATE_NAMES = {
  timeliness: '及时率 timeliness',
  satisfaction: '满意率 satisfaction',
  returnCall: '回访率 return calls',
  pass: '合格率 pass',
  classification: '识别率 classification',
  informationAccuracy: '信息准确率 information accuracy',
}
const pct = (r) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%`)
/** "> 98%" (more than) or "≥ 100%" (at least), as the target is set. */
const targetText = (target) =>
  `${target.comparison === 'gt' ? '>' : '≥'} ${+(target.value * 100).toFixed(3)}%`
/** How the group's closed cases were closed: 回访率 counts the return calls, SMS shown apart. */
const closuresText = (c) =>
  `${t('byReturnCall')} ${c.returnCall} · ${t('bySms')} ${c.smsReply} · ${t('byOverride')} ${c.override}`
/** ✓ meets its target, ✗ does not, nothing when nothing was counted. */
const verdict = (r) =>
  r.meetsTarget === null
    ? null
    : html`<span class=${r.meetsTarget ? 'meets' : 'misses'}
        >${r.meetsTarget ? ` ✓ ${t('meetsTarget')}` : ` ✗ ${t('missesTarget')}`}</span
      >`

/** The rates, weekly or monthly, per agent, department or category: table, bars, CSV. */
export function Rates() {
  const [period, setPeriod] = useState(thisMonth())
  const [by, setBy] = useState('all')
  const q = `period=${encodeURIComponent(period)}&by=${by}`
  const report = useLoad(`/rates?${q}`)
  const r = report.data
  return html`<section class="card" data-testid="rates">
    <div class="row">
      <div>
        <label for="rates-period">${t('period')} (2026-11 / 2026-W48)</label
        ><input
          id="rates-period"
          data-testid="rates-period"
          value=${period}
          onChange=${(e) => setPeriod(e.currentTarget.value)}
        />
      </div>
      <div>
        <label for="rates-by">${t('by')}</label>
        <select
          id="rates-by"
          data-testid="rates-by"
          value=${by}
          onChange=${(e) => setBy(e.currentTarget.value)}
        >
          ${['all', 'agent', 'department', 'category'].map((d) => html`<option value=${d}>${d}</option>`)}
        </select>
      </div>
      <a href=${`/api/rates.csv?${q}`}><button class="plain">${t('csv')}</button></a>
    </div>
    ${report.error ? html`<p class="error">${report.error}</p>` : null}
    ${
      r
        ? html`<table data-testid="rates-table">
              <tr>
                <th></th>
                ${RATES.map((n) => html`<th>${RATE_NAMES[n]} (${targetText(r.targets[n])})</th>`)}
                <th>${t('closedHow')}</th>
              </tr>
              ${r.groups.map(
                (g) =>
                  html`<tr data-testid=${`rates-row-${g.code}`}>
                    <td>${g.label}</td>
                    ${RATES.map((n) => html`<td data-testid=${`rate-${g.code}-${n}`}>${pct(g.rates[n])} <span class="muted">${g.rates[n].numerator}/${g.rates[n].denominator}</span>${verdict(g.rates[n])}</td>`)}
                    <td data-testid=${`closures-${g.code}`}>${closuresText(g.closures)}</td>
                  </tr>`,
              )}
            </table>
            ${RATES.map(
              (n) =>
                html`<h3>${RATE_NAMES[n]} (${targetText(r.targets[n])})</h3>
                  <div class="bars">
                    ${r.groups.map(
                      (g) =>
                        html`<div class="bar">
                          <span>${g.label}</span>
                          <span class="track"
                            ><span
                              class="fill"
                              style=${`width:${(g.rates[n].rate ?? 0) * 100}%;display:block`}
                            ></span>
                            <span class="target" style=${`left:${r.targets[n].value * 100}%`}></span
                          ></span>
                          <span>${pct(g.rates[n])}</span>
                        </div>`,
                    )}
                  </div>`,
            )}`
        : null
    }
  </section>`
}

/** Praise and violation records per agent, and the rejection file (否定报备). */
export function Records() {
  const [month, setMonth] = useState(thisMonth())
  const records = useLoad(`/records?month=${month}`)
  const rejections = useLoad(`/rejections?month=${month}`)
  const waiting = useLoad('/rejections/waiting')
  const [v, setV] = useState({ job: '', kind: 'praise', caseReference: '', note: '', decision: '' })
  const [message, setMessage] = useState('')
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value })
  const act = (path, body) => async () => {
    setMessage('')
    try {
      await api(path, { method: 'POST', body })
      void records.load()
      void rejections.load()
      void waiting.load()
    } catch (e) {
      setMessage(e.message)
    }
  }
  return html`<div class="cols">
    <section class="card" data-testid="records">
      <div class="row">
        <div>
          <label for="records-month">${t('month')}</label
          ><input
            id="records-month"
            value=${month}
            onChange=${(e) => setMonth(e.currentTarget.value)}
          />
        </div>
      </div>
      <h2>${t('records')}</h2>
      ${records.error ? html`<p class="error">${records.error}</p>` : null}
      <table>
        <tr>
          <th>${t('agents')}</th>
          <th>praise 表扬</th>
          <th>violation 违规</th>
        </tr>
        ${(records.data?.agents ?? []).map(
          (a) =>
            html`<tr>
              <td>${a.jobNumber} ${a.name}</td>
              <td>${a.praise}</td>
              <td>${a.violation}</td>
            </tr>`,
        )}
      </table>
    </section>
    <section class="card" data-testid="records-new">
      <h2>+ praise 表扬 / violation 违规</h2>
      <div class="row">
        <div>
          <label for="record-job">${t('jobNumber')}</label>
          <input id="record-job" value=${v.job} onInput=${set('job')} />
        </div>
        <div>
          <label for="record-kind">${t('dayKind')}</label>
          <select id="record-kind" value=${v.kind} onChange=${set('kind')}>
            <option>praise</option>
            <option>violation</option>
          </select>
        </div>
        <div>
          <label for="record-case">${t('caseReference')}</label>
          <input
            id="record-case"
            placeholder="HL-…"
            value=${v.caseReference}
            onInput=${set('caseReference')}
          />
        </div>
      </div>
      <label for="record-note">${t('note')}</label
      ><input id="record-note" value=${v.note} onInput=${set('note')} />
      <p>
        <button
          disabled=${!v.job || v.note.trim().length < 3}
          onClick=${act(`/agents/${v.job}/records`, { kind: v.kind, note: v.note, ...(v.caseReference ? { caseReference: v.caseReference } : {}) })}
        >
          ${t('save')}
        </button>
      </p>
      ${message ? html`<p class="error">${message}</p>` : null}
    </section>
    <section class="card" data-testid="declines-waiting">
      <h2>否定报备待批 / waiting for a decision</h2>
      <label for="decline-decision">${t('decisionNote')}</label>
      <input id="decline-decision" value=${v.decision} onInput=${set('decision')} />
      <table>
        ${(waiting.data?.waiting ?? []).map(
          (w) =>
            html`<tr>
              <td>${w.reference}</td>
              <td>${w.reason}</td>
              <td>${w.requestedBy.jobNumber} ${w.requestedBy.name}</td>
              <td>
                <button
                  onClick=${act(`/cases/${w.reference}/decline/approve`, v.decision ? { note: v.decision } : {})}
                >
                  approve
                </button>
                <button
                  class="plain"
                  disabled=${v.decision.trim().length < 3}
                  onClick=${act(`/cases/${w.reference}/decline/reject`, { note: v.decision })}
                >
                  refuse
                </button>
              </td>
            </tr>`,
        )}
      </table>
    </section>
    <section class="card" data-testid="rejections">
      <h2>否定报备 / rejection file</h2>
      ${rejections.error ? html`<p class="error">${rejections.error}</p>` : null}
      <table>
        <tr>
          <th>Case</th>
          <th>reason</th>
          <th>requested by</th>
          <th>approved by</th>
          <th></th>
        </tr>
        ${(rejections.data?.rejections ?? []).map(
          (r) =>
            html`<tr>
              <td>
                ${r.reference}
                <div class="muted">${r.category ?? ''}</div>
              </td>
              <td>${r.reason}</td>
              <td>${r.requestedBy.jobNumber} ${r.requestedBy.name}</td>
              <td>
                ${r.approvedBy.jobNumber} ${r.approvedBy.name}
                <div class="muted">${r.approvalNote ?? ''}</div>
              </td>
              <td class="muted">${when(r.declinedAt)}</td>
            </tr>`,
        )}
      </table>
    </section>
  </div>`
}
