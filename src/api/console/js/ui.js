// Small shared pieces: labelled fields, error and status messages, pagination, data loading.
import { html, useCallback, useEffect, useRef, useState } from './lib.js';

/** The page's heading; the app moves focus here on every navigation (see app.js). */
export function Page({ title, children, actions }) {
  return html`<section class="page" aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </div>
    ${children}
  </section>`;
}

export function errorText(e) {
  if (!e) return '';
  return e.message || String(e);
}

/** An API failure, in the envelope's words: code, message and details. */
export function ErrorBox({ error, id }) {
  if (!error) return null;
  return html`<div class="msg err" role="alert" id=${id}>
    ${error.code !== undefined ? html`<strong>${String(error.code)} ${error.apiMessage}</strong>${error.details ? html`<div>${error.details}</div>` : null}` : errorText(error)}
  </div>`;
}

export function Notice({ text, kind = 'ok' }) {
  return html`<div class=${`msg ${kind}`} role="status" aria-live="polite">${text || ''}</div>`;
}

function describedBy(id, hint, error) {
  const ids = [];
  if (hint) ids.push(`${id}-hint`);
  if (error) ids.push(`${id}-err`);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldShell({ id, label, hint, error, children, wide }) {
  return html`<div class=${`field${error ? ' invalid' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<div class="hint" id=${`${id}-hint`}>${hint}</div>` : null}
    ${error ? html`<div class="field-err" id=${`${id}-err`}>${error}</div>` : null}
  </div>`;
}

export function TextField({ id, label, value, onInput, type = 'text', hint, error, required, placeholder, multiline, rows, autocomplete, wide, min, max }) {
  const common = {
    id,
    name: id,
    value: value ?? '',
    onInput: (e) => onInput(e.currentTarget.value),
    'aria-describedby': describedBy(id, hint, error),
    'aria-invalid': error ? 'true' : undefined,
    required,
    placeholder,
    autocomplete: autocomplete ?? 'off',
  };
  return html`<${FieldShell} id=${id} label=${label} hint=${hint} error=${error} wide=${wide || multiline}>
    ${multiline ? html`<textarea ...${common} rows=${rows ?? 3} spellcheck="false"></textarea>` : html`<input ...${common} type=${type} min=${min} max=${max} />`}
  <//>`;
}

export function SelectField({ id, label, value, onChange, options, hint, error }) {
  return html`<${FieldShell} id=${id} label=${label} hint=${hint} error=${error}>
    <select id=${id} name=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)} aria-describedby=${describedBy(id, hint, error)} aria-invalid=${error ? 'true' : undefined}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${String(v) === String(value)}>${text}</option>`)}
    </select>
  <//>`;
}

export function Check({ id, label, checked, onChange }) {
  return html`<div class="check"><input type="checkbox" id=${id} checked=${checked} onChange=${(e) => onChange(e.currentTarget.checked)} /><label for=${id}>${label}</label></div>`;
}

/** Pages in NCP's blocks; real buttons, the current one marked with aria-current. */
export function Pager({ page, totalPages, onPage }) {
  if (!totalPages || totalPages <= 1) return null;
  const first = Math.max(1, Math.min(page - 4, totalPages - 9));
  const pages = [];
  for (let p = first; p <= Math.min(totalPages, first + 9); p++) pages.push(p);
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>Previous</button>
    ${pages.map((p) => html`<button type="button" class=${p === page ? '' : 'secondary'} aria-current=${p === page ? 'page' : undefined} aria-label=${`Page ${p}`} onClick=${() => onPage(p)}>${p}</button>`)}
    <button type="button" class="secondary" disabled=${page >= totalPages} onClick=${() => onPage(page + 1)}>Next</button>
  </nav>`;
}

/** Loads with fn() when deps change; reload() loads again. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const load = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    return fn().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    load();
  }, [load]);
  return { ...state, reload: load };
}

/** Calls fn every ms while active (and once the page is visible again). */
export function useInterval(fn, ms, active) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!active) return undefined;
    const t = setInterval(() => ref.current(), ms);
    return () => clearInterval(t);
  }, [ms, active]);
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toLocaleString();
}

export function lines(text) {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** "Name: value" lines to an object; throws on a line without a colon. */
export function headerLines(text, what) {
  const out = {};
  for (const line of lines(text)) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`${what}: "${line}" is not "Name: value"`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function Busy({ when, text = 'Loading…' }) {
  return when ? html`<p class="busy" role="status">${text}</p>` : null;
}
