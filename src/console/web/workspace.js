import { api, debounce, liveHints } from './api.js'
import { CaseAsks } from './asks.js'
import { CallCaller } from './call-caller.js'
import { Actions } from './case-actions.js'
import { Clocks } from './clocks.js'
import { t, when } from './i18n.js'
import { NewCase, VariantSelect } from './new-case.js'
import { Presence } from './presence.js'
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
