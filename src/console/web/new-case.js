import { api } from './api.js'
import { t } from './i18n.js'
import { html, useState } from './vendor/preact.js'

const SOURCES = ['walk_in', 'internal', 'superior', 'letter', 'email']

/**
 * The variants of one category; "—" leaves the category's default (named in the option) to
 * the server. Shared by the case form and the new-case form.
 */
export function VariantSelect({ id, categories, category, value, onChange }) {
  const variants = categories.find((c) => c.code === category)?.variants ?? []
  const fallback = variants.find((v) => v.isDefault)
  return html`<select
    id=${id}
    data-testid=${id}
    value=${value ?? ''}
    disabled=${variants.length === 0}
    onChange=${(e) => onChange(e.currentTarget.value)}
  >
    <option value="">
      — ${fallback ? `(${t('variantDefault')}: ${fallback.nameZh} ${fallback.nameEn})` : ''}
    </option>
    ${variants.map((v) => html`<option value=${v.code}>${v.nameZh} ${v.nameEn}</option>`)}
  </select>`
}

/**
 * A case that did not come by phone (walk-in, relay, instruction, letter, e-mail): whoever
 * records it owns it, and the phone given is the one the return call rings.
 */
export function NewCase({ categories, onCreated }) {
  // Its labels differ from the open case's form beside it: each field keeps one accessible name.
  const empty = { source: 'walk_in', name: '', phone: '', category: '', variant: '' }
  const [f, setF] = useState({ ...empty, place: '', content: '' })
  const [message, setMessage] = useState('')
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value })
  const submit = async (e) => {
    e.preventDefault()
    setMessage('')
    const body = {
      source: f.source,
      caller: { name: f.name.trim() || null, phone: f.phone.trim() },
      category: f.category || null,
      variant: f.variant || null,
      place: f.place.trim() || null,
      content: f.content.trim(),
    }
    try {
      const r = await api('/cases', { method: 'POST', body })
      setF({ ...empty, place: '', content: '' })
      onCreated(r.case.reference)
    } catch (err) {
      setMessage(err.message)
    }
  }
  const input = (k, label) =>
    html`<label for=${`new-${k}`}>${label}</label
      ><input id=${`new-${k}`} data-testid=${`new-${k}`} value=${f[k]} onInput=${set(k)} />`
  return html`<section class="card" data-testid="new-case">
    <h2>${t('newCase')}</h2>
    <form onSubmit=${submit}>
      <div class="row">
        <div>
          <label for="new-source">${t('source')}</label>
          <select
            id="new-source"
            data-testid="new-source"
            value=${f.source}
            onChange=${set('source')}
          >
            ${SOURCES.map((s) => html`<option value=${s}>${t(`src_${s}`)}</option>`)}
          </select>
        </div>
        <div>
          <label for="new-category">${t('category')}</label>
          <select
            id="new-category"
            data-testid="new-category"
            value=${f.category}
            onChange=${(e) => setF({ ...f, category: e.currentTarget.value, variant: '' })}
          >
            <option value="">—</option>
            ${categories.map((c) => html`<option value=${c.code}>${c.nameZh} ${c.nameEn}</option>`)}
          </select>
        </div>
        <div>
          <label for="new-variant">${t('variant')}</label>
          <${VariantSelect}
            id="new-variant"
            categories=${categories}
            category=${f.category}
            value=${f.variant}
            onChange=${(v) => setF({ ...f, variant: v })}
          />
        </div>
      </div>
      ${input('name', t('callerName'))} ${input('phone', t('callerPhone'))}
      ${input('place', t('newPlace'))}
      <label for="new-content">${t('newContent')}</label>
      <textarea
        id="new-content"
        data-testid="new-content"
        value=${f.content}
        onInput=${set('content')}
      />
      <p>
        <button
          type="submit"
          data-testid="new-create"
          disabled=${!f.phone.trim() || !f.content.trim()}
        >
          ${t('create')}
        </button>
        <span class="error" data-testid="new-message">${message}</span>
      </p>
    </form>
  </section>`
}
