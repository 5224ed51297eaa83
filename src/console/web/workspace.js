import { api, debounce, liveHints } from './api.js'
import { CaseAsks } from './asks.js'
import { CallCaller } from './call-caller.js'
import { Clocks } from './clocks.js'
import { t, when } from './i18n.js'
import { NewCase, VariantSelect } from './new-case.js'
import { CaseRecordings } from './recordings.js'
import { PhoneCard, usePhone } from './softphone.js'
import { html, useEffect, useState } from './vendor/preact.js'

/** The agent's screen: presence, phone, screen pop, my cases, and the case being worked on. */
export function Workspace({ config }) {
  const [calls, setCalls] = useState([])
  const [mine, setMine] = useState([])
  const [reference, setReference] = useState(undefined)
  const [tick, setTick] = useState(0)
  const [categories, setCategories] = useState([])
  const [presence, setPresence] = useState(config.agent.presence)
  const phone = usePhone(config, {
    online: presence !== 'away',
    // A phone that cannot ring must not be offered calls: the agent is set away, and told why.
    onLost: (why) =>
      void api('/me/presence', {
        method: 'PUT',
        body: { presence: 'away', reason: `softphone: ${why}` },
      })
        .then(() => setPresence('away'))
        .finally(refresh),
  })
  const refresh = () => {
    void api('/me/calls').then((r) => {
      setCalls(r.calls)
      const talking = r.calls.find((c) => c.state === 'connected')
      if (talking?.reference) setReference((ref) => ref ?? talking.reference)
    })
    void api('/console/my-cases').then((r) => setMine(r.cases))
    setTick((n) => n + 1)
  }
  useEffect(() => {
    refresh()
    void api('/categories').then((r) => setCategories(r.categories))
    const later = debounce(refresh, 250)
    return liveHints(() => later())
  }, [])
  const ringing = calls.filter((c) => c.state === 'ringing')
  return html`<div class="cols">
    <div class="stack">
      <${Presence} config=${config} tick=${tick} onPresence=${setPresence} />
      <${PhoneCard} phone=${phone} />
      ${ringing.map((c) => html`<${ScreenPop} call=${c} onOpen=${setReference} />`)}
      <${MyCases} cases=${mine} onOpen=${setReference} current=${reference} />
      <${NewCase}
        categories=${categories}
        onCreated=${(ref) => {
          setReference(ref)
          refresh()
        }}
      />
    </div>
    <div class="stack">
      ${
        reference
          ? html`<${CaseView}
              reference=${reference}
              tick=${tick}
              phone=${phone}
              onChanged=${refresh}
            />`
          : html`<section class="card muted">${t('caseForm')}: —</section>`
      }
    </div>
  </div>`
}

/**
 * The agent's presence, refetched on every live hint. After a call the server keeps the agent
 * 'busy' in wrap-up (话后整理) until `wrapUpUntil`; the countdown runs on the server's clock
 * (offset by `at`), and at zero the page asks again, which ends the wrap-up on the server.
 */
function Presence({ config, tick, onPresence }) {
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

function ScreenPop({ call, onOpen }) {
  return html`<section class="card pop" data-testid="screen-pop">
    <h2>
      ${t('incoming')}
      ${call.emergency ? html`<span class="pill bad">${t('emergency')}</span>` : null}
    </h2>
    <table>
      <tr>
        <th>${t('caller')}</th>
        <td data-testid="pop-number">
          ${call.caller.number} ${call.caller.name ?? ''} ${call.caller.city ?? ''}
        </td>
      </tr>
      <tr>
        <th>${t('category')}</th>
        <td>${call.category.zh ?? ''} ${call.category.en ?? ''}</td>
      </tr>
      <tr>
        <th>${t('place')}</th>
        <td>${call.place ?? '—'}</td>
      </tr>
      <tr>
        <th>Case</th>
        <td data-testid="pop-reference">${call.reference}</td>
      </tr>
      <tr>
        <th>${t('openCases')}</th>
        <td>
          ${call.openCases.length === 0 ? t('none') : call.openCases.map((c) => html`<div><a href="#/workspace" onClick=${() => onOpen(c.reference)}>${c.reference}</a> ${c.status} ${c.place ?? ''}</div>`)}
        </td>
      </tr>
    </table>
  </section>`
}

function MyCases({ cases, onOpen, current }) {
  return html`<section class="card" data-testid="my-cases">
    <h2>${t('myCases')}</h2>
    <table>
      <tr>
        <th>Case</th>
        <th>${t('status')}</th>
        <th>${t('nextDue')}</th>
      </tr>
      ${cases.map(
        (c) =>
          html`<tr class=${c.reference === current ? 'current' : ''}>
            <td>
              <a
                href="#/workspace"
                data-testid=${`case-${c.reference}`}
                onClick=${() => onOpen(c.reference)}
                >${c.reference}</a
              >
              <div class="muted">${c.category ?? ''} ${c.place ?? ''}</div>
            </td>
            <td>${c.status}${c.department ? html` → ${c.department}` : null}</td>
            <td>
              ${c.overdue ? html`<span class="pill overdue">${t('overdue')}</span> ` : null}${when(c.nextDueAt)}
            </td>
          </tr>`,
      )}
    </table>
  </section>`
}

const FIELDS = ['place', 'content', 'contactName', 'contactPhone']

function CaseView({ reference, tick, phone, onChanged }) {
  const [data, setData] = useState(undefined)
  const [people, setPeople] = useState({})
  const [categories, setCategories] = useState([])
  const [form, setForm] = useState({})
  const [message, setMessage] = useState('')
  const load = () =>
    api(`/cases/${reference}`).then((d) => {
      setData(d)
      setForm((f) => (f.reference === reference ? f : { reference, ...pick(d.case) }))
    })
  useEffect(() => {
    void api('/console/people').then((r) =>
      setPeople(Object.fromEntries(r.agents.map((a) => [a.id, a]))),
    )
    void api('/categories').then((r) => setCategories(r.categories))
  }, [])
  useEffect(() => {
    void load()
  }, [reference, tick])
  if (!data) return html`<section class="card">…</section>`
  const k = data.case
  const save = async (e) => {
    e.preventDefault()
    setMessage('')
    const problems = []
    if (form.contactPhone && !/^\+?[0-9 ()-]{5,20}$/.test(form.contactPhone))
      problems.push(`${t('contactPhone')}?`)
    if (!form.content?.trim()) problems.push(`${t('content')}?`)
    if (problems.length) return setMessage(problems.join(' '))
    const body = Object.fromEntries(FIELDS.map((f) => [f, form[f]?.trim() || null]))
    if (form.category) body.category = form.category
    if (form.variant) body.variant = form.variant
    if (form.urgency) body.urgency = form.urgency
    try {
      await api(`/cases/${reference}`, { method: 'PATCH', body })
      setMessage(t('saved'))
      onChanged()
    } catch (err) {
      setMessage(err.message)
    }
  }
  const name = (id) => (id && people[id] ? `${people[id].jobNumber} ${people[id].name}` : '')
  return html`<section class="card" data-testid="case-view">
      <h2 data-testid="case-reference">
        ${reference} <span class="pill" data-testid="case-status">${k.status}</span>
      </h2>
      <table>
        <tr>
          <th>${t('firstOwner')}</th>
          <td data-testid="case-owner">${name(k.firstOwnerId)}</td>
        </tr>
        <tr>
          <th>${t('assignee')}</th>
          <td data-testid="case-assignee">
            ${k.assigneeDepartment ? `${k.assigneeDepartment.name} (${k.assigneeDepartment.code}), ${t('due')} ${when(k.assigneeDueAt)}` : '—'}
          </td>
        </tr>
      </table>
      <${CallCaller} reference=${reference} phone=${phone} contactPhone=${k.contactPhone} />
      <form onSubmit=${save}>
        <div class="row">
          <div>
            <label for="case-category">${t('category')}</label>
            <select
              id="case-category"
              data-testid="field-category"
              value=${form.category ?? ''}
              onChange=${(e) => setForm({ ...form, category: e.currentTarget.value, variant: '' })}
            >
              <option value="">—</option>
              ${categories.map((c) => html`<option value=${c.code}>${c.nameZh} ${c.nameEn}</option>`)}
            </select>
          </div>
          <div>
            <label for="field-variant">${t('variant')}</label>
            <${VariantSelect}
              id="field-variant"
              categories=${categories}
              category=${form.category}
              value=${form.variant}
              onChange=${(v) => setForm({ ...form, variant: v })}
            />
          </div>
          <div>
            <label for="case-urgency">${t('urgency')}</label>
            <select
              id="case-urgency"
              data-testid="field-urgency"
              value=${form.urgency ?? 'normal'}
              onChange=${(e) => setForm({ ...form, urgency: e.currentTarget.value })}
            >
              ${['normal', 'urgent', 'emergency'].map((u) => html`<option value=${u}>${t(u)}</option>`)}
            </select>
          </div>
        </div>
        ${FIELDS.map(
          (f) =>
            html`<label for=${`case-${f}`}>${t(f)}</label> ${
                f === 'content'
                  ? html`<textarea
                      id=${`case-${f}`}
                      data-testid=${`field-${f}`}
                      value=${form[f] ?? ''}
                      onInput=${(e) => setForm({ ...form, [f]: e.currentTarget.value })}
                    />`
                  : html`<input
                      id=${`case-${f}`}
                      data-testid=${`field-${f}`}
                      value=${form[f] ?? ''}
                      onInput=${(e) => setForm({ ...form, [f]: e.currentTarget.value })}
                    />`
              }`,
        )}
        <p>
          <button type="submit" data-testid="save-case">${t('save')}</button>
          <span class="muted" data-testid="save-message">${message}</span>
        </p>
      </form>
    </section>
    <${Clocks} clocks=${data.clocks} />
    <${CaseAsks} reference=${reference} clocks=${data.clocks} onDone=${() => void load()} />
    <${Actions}
      reference=${reference}
      data=${data}
      onDone=${() => {
        void load()
        onChanged()
      }}
    />
    <${CaseRecordings} recordings=${data.recordings} />
    <section class="card" data-testid="timeline">
      <h2>${t('timeline')}</h2>
      <ol class="timeline">
        ${data.events.map(
          (e) =>
            html`<li>
              <span class="muted">${when(e.occurredAt)}</span>
              <b>${e.type}</b>
              ${e.actorKind === 'agent' ? html` — ${name(e.actorAgentId)}` : html` — ${e.actorKind}`}
              ${
                e.actorKind === 'agent' && e.actorAgentId !== e.firstOwnerId && e.firstOwnerId
                  ? html` <span class="muted">(${t('onBehalf')} ${name(e.firstOwnerId)})</span>`
                  : null
              }
              ${e.data?.text ? html`<div class="muted">${e.data.text}</div>` : null}
            </li>`,
        )}
      </ol>
    </section>`
}

function pick(k) {
  return {
    place: k.place ?? '',
    content: k.content ?? '',
    contactName: k.contactName ?? '',
    contactPhone: k.contactPhone ?? '',
    category: k.categoryCode ?? '',
    variant: k.variant ?? '',
    urgency: k.urgency ?? 'normal',
  }
}

/** What the agent can do with the case: each a call to the API, each error shown as sent. */
function Actions({ reference, data, onDone }) {
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
