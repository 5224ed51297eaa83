import { api } from './api.js'
import { t } from './i18n.js'
import { html, useEffect, useState } from './vendor/preact.js'

/** What the agent can do with the case: each a call to the API, each error shown as sent. */
export function Actions({ reference, data, onDone }) {
  const [departments, setDepartments] = useState([])
  const [items, setItems] = useState([])
  const [bodies, setBodies] = useState([])
  const [v, setV] = useState({
    department: '',
    mode: 'warm',
    note: '',
    item: '',
    summary: '',
    replyBy: '',
    text: '',
    body: '',
  })
  const [message, setMessage] = useState('')
  useEffect(() => {
    void api('/departments').then((r) => setDepartments(r.departments.filter((d) => d.active)))
    void api('/service-items').then((r) => setItems(r.serviceItems.filter((i) => i.active)))
    void api('/external-bodies').then((r) => setBodies(r.externalBodies.filter((b) => b.active)))
  }, [])
  // Bodies are built on click (a function), not while rendering: half-typed input must not throw.
  const run = (path, body) => async () => {
    setMessage('')
    try {
      await api(path, { method: 'POST', body: typeof body === 'function' ? body() : body })
      setMessage('✓')
      onDone()
    } catch (e) {
      setMessage(e.message)
    }
  }
  const live = data.transfers.find((x) =>
    ['dialing', 'ringing', 'briefing', 'consulting'].includes(x.status),
  )
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value })
  return html`<section class="card" data-testid="actions">
    <h2>${t('actions')}</h2>
    <div class="row">
      <div>
        <label for="transfer-department">${t('transfer')}</label>
        <select
          id="transfer-department"
          data-testid="transfer-department"
          value=${v.department}
          onChange=${set('department')}
        >
          <option value="">—</option>
          ${departments.map((d) => html`<option value=${d.code}>${d.name} ${d.nameEn ?? ''} (${t('onDuty')}: ${d.people.filter((p) => p.onDuty).length})</option>`)}
        </select>
      </div>
      <div>
        <label for="transfer-mode">${t('transferMode')}</label>
        <select
          id="transfer-mode"
          data-testid="transfer-mode"
          value=${v.mode}
          onChange=${set('mode')}
        >
          <option value="warm">${t('warm')}</option>
          <option value="cold">${t('cold')}</option>
        </select>
      </div>
    </div>
    <label for="transfer-note">${t('note')}</label>
    <input id="transfer-note" data-testid="transfer-note" value=${v.note} onInput=${set('note')} />
    <p class="row">
      <button
        data-testid="transfer-start"
        disabled=${!v.department}
        onClick=${run(`/cases/${reference}/transfers`, { department: v.department, mode: v.mode, ...(v.note ? { note: v.note } : {}) })}
      >
        ${t('transfer')}
      </button>
      <button
        class="plain"
        disabled=${!v.department}
        onClick=${run(`/cases/${reference}/department-callback`, { department: v.department, ...(v.note ? { note: v.note } : {}) })}
      >
        ${t('deptCallback')}
      </button>
    </p>
    ${
      live
        ? html`<p data-testid="transfer-live">
            ${t('transfer')}:
            <span class="pill warn" data-testid="transfer-status">${live.status}</span>
            <button
              data-testid="transfer-bridge"
              disabled=${live.status !== 'consulting'}
              onClick=${run(`/transfers/${live.id}/bridge`, {})}
            >
              ${t('bridge')}
            </button>
            <button class="plain" onClick=${run(`/transfers/${live.id}/cancel`, {})}>
              ${t('cancel')}
            </button>
          </p>`
        : data.transfers.length
          ? html`<p class="muted" data-testid="transfer-last">
              ${t('transfer')}: ${data.transfers.at(-1).status}
            </p>`
          : null
    }
    <div class="row">
      <div>
        <label for="notice-item">${t('notice')}</label>
        <select id="notice-item" data-testid="notice-item" value=${v.item} onChange=${set('item')}>
          <option value="">—</option>
          ${items.map((i) => html`<option value=${i.code}>${i.content['zh-CN']?.title ?? ''} ${i.content['en-US']?.title ?? ''}</option>`)}
        </select>
      </div>
      <button disabled=${!v.item} onClick=${run(`/cases/${reference}/notices`, { item: v.item })}>
        ${t('send')}
      </button>
    </div>
    <div class="row">
      <div>
        <label for="promise-by">${t('promise')}</label
        ><input
          id="promise-by"
          type="datetime-local"
          value=${v.replyBy}
          onInput=${set('replyBy')}
        />
      </div>
      <button
        class="plain"
        disabled=${!v.replyBy}
        onClick=${run(`/cases/${reference}/promise`, () => ({ replyBy: new Date(v.replyBy).toISOString() }))}
      >
        ${t('save')}
      </button>
    </div>
    <div class="row">
      <div>
        <label for="note-text">${t('addNote')}</label
        ><input id="note-text" data-testid="note-text" value=${v.text} onInput=${set('text')} />
      </div>
      <button
        class="plain"
        disabled=${!v.text}
        onClick=${run(`/cases/${reference}/notes`, { text: v.text })}
      >
        ${t('addNote')}
      </button>
    </div>
    <div class="row">
      <div>
        <label for="refer-body">${t('refer')}</label>
        <select id="refer-body" value=${v.body} onChange=${set('body')}>
          <option value="">—</option>
          ${bodies.map((b) => html`<option value=${b.code}>${b.name} ${b.phone}</option>`)}
        </select>
      </div>
      <button
        class="plain"
        disabled=${!v.body}
        onClick=${run(`/cases/${reference}/refer`, { body: v.body })}
      >
        ${t('refer')}
      </button>
    </div>
    <div class="row">
      <div>
        <label for="decline-reason">${t('declineRequest')}</label>
        <input id="decline-reason" value=${v.reason ?? ''} onInput=${set('reason')} />
      </div>
      <button
        class="plain"
        disabled=${(v.reason ?? '').trim().length < 10}
        onClick=${run(`/cases/${reference}/decline`, () => ({ reason: v.reason }))}
      >
        ${t('declineRequest')}
      </button>
    </div>
    <div class="row">
      <div>
        <label for="work-summary">${t('summary')}</label
        ><input
          id="work-summary"
          data-testid="work-summary"
          value=${v.summary}
          onInput=${set('summary')}
        />
      </div>
      <button
        data-testid="work-done"
        disabled=${v.summary.trim().length < 3}
        onClick=${run(`/cases/${reference}/work-done`, { summary: v.summary })}
      >
        ${t('workDone')}
      </button>
    </div>
    ${message ? html`<p class=${message === '✓' ? 'muted' : 'error'} data-testid="action-message">${message}</p>` : null}
  </section>`
}
