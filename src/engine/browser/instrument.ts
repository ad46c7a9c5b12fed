// What the browser crawl runs inside pages. Kept as script text: this code runs in Chromium, not
// in Node, and the project's TypeScript has no DOM types. The init script runs before the page's
// own scripts in every frame; the others run on demand through page.evaluate.

/**
 * Notes client-side routes (history.pushState/replaceState, hash changes, window.open) and the
 * elements scripts attach input handlers to, so that the crawl can click them. window.open opens
 * nothing: its URL is a route like any other.
 */
export const INSTRUMENT = `(() => {
  if (window.__wsc) return;
  const w = { routes: [], handlers: new Set(), targets: [], forms: [], inputs: [] };
  Object.defineProperty(window, '__wsc', { value: w, enumerable: false, configurable: false });
  const note = (u) => {
    if (u === undefined || u === null || w.routes.length >= 5000) return;
    try { w.routes.push(new URL(String(u), location.href).href); } catch (e) { w.bad = (w.bad || 0) + 1; }
  };
  for (const name of ['pushState', 'replaceState']) {
    const orig = History.prototype[name];
    History.prototype[name] = function (state, title, url) { note(url); return orig.apply(this, arguments); };
  }
  addEventListener('hashchange', () => note(location.href));
  addEventListener('popstate', () => note(location.href));
  const add = EventTarget.prototype.addEventListener;
  const kinds = /^(click|dblclick|mousedown|mouseup|pointerdown|pointerup|touchstart|touchend|keydown|keyup|keypress|submit|change)$/;
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (typeof type === 'string' && kinds.test(type) && this instanceof Element && w.handlers.size < 5000) w.handlers.add(this);
    return add.call(this, type, fn, opts);
  };
  window.open = function (u) { note(u); return null; };
})();`;

/** Clickable-looking elements besides those with a listener: handlers delegated to a root (React) are invisible. */
const CLICKABLE = '[onclick],[onmousedown],[onmouseup],[ondblclick],[onpointerdown],button,[role=button],[role=link],[role=tab],[role=menuitem],a:not([href]),a[href^="#"],a[href^="javascript:" i],summary,[tabindex]';

/**
 * Reads the rendered page: the routes noted since the last read, the DOM as HTML (for the same
 * link and form reader the HTML crawler uses), the elements worth clicking, the forms and the
 * controls to fill. Elements are kept in window.__wsc by index for the calls that follow.
 */
export const COLLECT = `((maxHtml) => {
  // maxHtml 0: the elements only (between clicks), not the whole DOM
  const w = window.__wsc || { routes: [], handlers: new Set(), targets: [], forms: [], inputs: [] };
  const out = { url: location.href, routes: w.routes.splice(0), clicks: [], forms: [], inputs: [], html: '' };
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const visible = (el) => el.getClientRects().length > 0;
  const cands = new Set();
  for (const el of w.handlers) cands.add(el);
  for (const el of document.querySelectorAll(${JSON.stringify(CLICKABLE)})) cands.add(el);
  w.targets = [];
  for (const el of cands) {
    if (w.targets.length >= 500) break;
    if (!el.isConnected || el === document.body || el === document.documentElement || !visible(el)) continue;
    const tag = el.tagName.toLowerCase();
    // submit buttons are the forms' business (submitted with their fields filled)
    if (el.form && ((tag === 'button' && (el.type || 'submit') === 'submit') || (tag === 'input' && (el.type === 'submit' || el.type === 'image')))) continue;
    if (tag === 'input' || tag === 'select' || tag === 'textarea' || tag === 'option') continue;
    const label = text([text(el.textContent).slice(0, 160), el.getAttribute('value'), el.id, el.getAttribute('name'), el.getAttribute('class'), el.getAttribute('href'), el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('onclick'), el.getAttribute('data-action')].filter(Boolean).join(' ')).slice(0, 400);
    // menus (the same on every route) after the page's own content, which they would replace
    const menu = !!el.closest('nav, header, footer, menu, [role=navigation], [role=menubar], [role=menu]');
    out.clicks.push({ i: w.targets.length, tag, label, href: el.getAttribute('href') || '', menu });
    w.targets.push(el);
  }
  out.clicks.sort((a, b) => Number(a.menu) - Number(b.menu));
  w.forms = [];
  for (const f of Array.from(document.forms).slice(0, 50)) {
    const els = Array.from(f.elements);
    const submitters = els.filter((e) => (e.tagName === 'BUTTON' && (e.type || 'submit') === 'submit') || (e.tagName === 'INPUT' && (e.type === 'submit' || e.type === 'image')));
    out.forms.push({
      i: w.forms.length,
      action: f.getAttribute('action') === null ? location.href : f.action,
      method: (f.getAttribute('method') || 'get').toLowerCase(),
      submitters: submitters.slice(0, 4).map((s) => ({ label: text((s.name || '') + ' ' + (s.value || s.textContent || '')), formaction: s.getAttribute('formaction') === null ? null : s.formAction })),
    });
    w.forms.push(f);
  }
  w.inputs = [];
  for (const el of document.querySelectorAll('input, textarea, select')) {
    if (w.inputs.length >= 500) break;
    if (el.disabled || el.readOnly) continue;
    const type = el.tagName === 'INPUT' ? (el.type || 'text').toLowerCase() : el.tagName.toLowerCase();
    const attrs = {};
    for (const k of ['min', 'max', 'maxlength']) if (el.getAttribute(k) !== null) attrs[k] = el.getAttribute(k);
    out.inputs.push({ i: w.inputs.length, type, name: el.name || el.id || '', empty: type === 'select' ? el.selectedIndex < 0 : el.value === '', attrs });
    w.inputs.push(el);
  }
  const html = maxHtml > 0 && document.documentElement ? document.documentElement.outerHTML : '';
  out.html = html.length > maxHtml ? html.slice(0, maxHtml) : html;
  return out;
})`;

/**
 * Gives the listed controls values (only empty ones), through the native setter and with input
 * and change events, so that frameworks that track values (React) see them.
 */
export const FILL = `((values) => {
  const w = window.__wsc;
  if (!w) return 0;
  let n = 0;
  for (const [i, v] of values) {
    const el = w.inputs[i];
    if (!el || !el.isConnected) continue;
    if (el.tagName === 'SELECT') {
      if (el.selectedIndex < 0 && el.options.length > 0) el.selectedIndex = 0;
    } else if (el.type === 'checkbox' || el.type === 'radio' || el.type === 'file') {
      continue;
    } else if (el.value === '') {
      const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      const set = Object.getOwnPropertyDescriptor(proto, 'value').set;
      try { set.call(el, v); } catch (e) { continue; }
    } else continue;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    n++;
  }
  return n;
})`;

/** Submits form i with its submitter s (-1: none), as a user would: submit handlers run first. */
export const SUBMIT = `(([i, s]) => {
  const w = window.__wsc;
  const f = w && w.forms[i];
  if (!f || !f.isConnected) return false;
  const subs = Array.from(f.elements).filter((e) => (e.tagName === 'BUTTON' && (e.type || 'submit') === 'submit') || (e.tagName === 'INPUT' && (e.type === 'submit' || e.type === 'image')));
  const sub = s >= 0 ? subs[s] : undefined;
  if (typeof f.requestSubmit === 'function') f.requestSubmit(sub); else f.submit();
  return true;
})`;

/** Clicks element i of the last COLLECT, if it is still there. */
export const CLICK = `((i) => {
  const w = window.__wsc;
  const el = w && w.targets[i];
  if (!el || !el.isConnected) return false;
  el.click();
  return true;
})`;

/** The routes noted since the last read. */
export const ROUTES = `(window.__wsc ? window.__wsc.routes.splice(0) : [])`;
