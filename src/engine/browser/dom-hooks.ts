// The script a DOM XSS visit installs in every document of its page (top and frames) before the
// page's own scripts run: the marker function payloads call, watchers on the sinks that report a
// value holding the marker with the stack of the call that wrote it, and the planting of sources
// that must exist before the page reads them (window.name, storage, cookies).
//
// The marker returns `<marker>-ran-<id>`, text no payload holds: a dialog showing it proves a call
// even where the report could not come through. It reports through a Playwright binding (window[binding](kind, data)). Everything runs inside the
// page, so it is a string; the stack frames of this script are named HOOKS_SOURCE and dropped.

export const HOOKS_SOURCE = 'wsc-dom-hooks.js';

export interface Plant {
  /** Planting happens only in documents of this origin (the target's). */
  origin: string;
  windowName?: string;
  localStorage?: Record<string, string>;
  sessionStorage?: Record<string, string>;
  /** Set through document.cookie with this path, so only that page sees them. */
  cookies?: { name: string; value: string; path: string }[];
}

export interface HookOptions {
  /** Name of the global function payloads call: its calls are the proof. */
  marker: string;
  /** Name of the binding reports go to. */
  binding: string;
  plant?: Plant;
}

export function domHooksScript(opts: HookOptions): string {
  const cfg = JSON.stringify({ marker: opts.marker, binding: opts.binding, plant: opts.plant ?? null, source: HOOKS_SOURCE });
  return `(function (cfg) {
  'use strict';
  if (window[cfg.marker]) return;
  var queue = [];
  function flush() {
    var b = window[cfg.binding];
    if (typeof b !== 'function') { if (queue.length) setTimeout(flush, 20); return; }
    while (queue.length) { var item = queue.shift(); b(item[0], item[1]); }
  }
  function report(kind, data) { queue.push([kind, data]); flush(); }
  function stack() {
    var lines = String(new Error().stack || '').split('\\n').slice(1);
    return lines.filter(function (l) { return l.indexOf(cfg.source) === -1; }).map(function (l) { return l.trim(); }).slice(0, 8).join('\\n');
  }
  function here() { try { return String(location.href); } catch (e) { return 'about:blank'; } }
  Object.defineProperty(window, cfg.marker, {
    value: function (id) { report('exec', { id: String(id), stack: stack(), frame: here() }); return cfg.marker + '-ran-' + id; },
    configurable: false, writable: false, enumerable: false,
  });
  function watch(sink, value) {
    if (typeof value !== 'string' || value.indexOf(cfg.marker) === -1) return;
    report('sink', { sink: sink, value: value.slice(0, 400), stack: stack(), frame: here() });
  }
  function setter(proto, prop, sink) {
    var d = proto && Object.getOwnPropertyDescriptor(proto, prop);
    if (!d || !d.set || !d.configurable) return;
    Object.defineProperty(proto, prop, {
      configurable: true, enumerable: d.enumerable, get: d.get,
      set: function (v) { watch(sink, v); return d.set.call(this, v); },
    });
  }
  function method(owner, name, sink, pick) {
    var orig = owner && owner[name];
    if (typeof orig !== 'function') return;
    owner[name] = function () { watch(typeof sink === 'function' ? sink(arguments) : sink, pick(arguments)); return orig.apply(this, arguments); };
  }
  var all = function (a) { return Array.prototype.join.call(a, ''); };
  setter(Element.prototype, 'innerHTML', 'innerHTML');
  setter(ShadowRoot.prototype, 'innerHTML', 'innerHTML');
  setter(Element.prototype, 'outerHTML', 'outerHTML');
  setter(HTMLIFrameElement.prototype, 'src', 'iframe.src');
  setter(HTMLIFrameElement.prototype, 'srcdoc', 'iframe.srcdoc');
  setter(HTMLFrameElement.prototype, 'src', 'frame.src');
  setter(HTMLScriptElement.prototype, 'src', 'script.src');
  setter(HTMLScriptElement.prototype, 'text', 'script.text');
  setter(HTMLAnchorElement.prototype, 'href', 'a.href');
  setter(HTMLAreaElement.prototype, 'href', 'area.href');
  setter(HTMLFormElement.prototype, 'action', 'form.action');
  setter(HTMLEmbedElement.prototype, 'src', 'embed.src');
  setter(HTMLObjectElement.prototype, 'data', 'object.data');
  method(Element.prototype, 'insertAdjacentHTML', 'insertAdjacentHTML', function (a) { return a[1]; });
  method(Element.prototype, 'setAttribute', function (a) { return 'setAttribute(' + String(a[0]) + ')'; }, function (a) { return a[1]; });
  method(Document.prototype, 'write', 'document.write', all);
  method(Document.prototype, 'writeln', 'document.writeln', all);
  method(Range.prototype, 'createContextualFragment', 'createContextualFragment', function (a) { return a[0]; });
  method(DOMParser.prototype, 'parseFromString', 'DOMParser', function (a) { return a[0]; });
  method(window, 'setTimeout', 'setTimeout', function (a) { return a[0]; });
  method(window, 'setInterval', 'setInterval', function (a) { return a[0]; });
  // eval is left alone: a wrapper would turn direct calls into indirect ones (global scope), which
  // changes what the page does; code run by eval names it in its own stack instead.
  var NativeFunction = Function;
  var WrappedFunction = function () { watch('Function', all(arguments)); return NativeFunction.apply(this, arguments); };
  WrappedFunction.prototype = NativeFunction.prototype;
  window.Function = WrappedFunction;
  var p = cfg.plant;
  if (p && window === window.top && here().indexOf(p.origin + '/') === 0) {
    if (typeof p.windowName === 'string') window.name = p.windowName;
    var stores = [['localStorage', p.localStorage], ['sessionStorage', p.sessionStorage]];
    stores.forEach(function (s) {
      if (!s[1]) return;
      try { Object.keys(s[1]).forEach(function (k) { window[s[0]].setItem(k, s[1][k]); }); }
      catch (e) { report('error', { what: s[0] + ' not writable: ' + String(e) }); }
    });
    (p.cookies || []).forEach(function (c) { document.cookie = c.name + '=' + c.value + '; path=' + c.path; });
  }
})(${cfg});
//# sourceURL=${HOOKS_SOURCE}
`;
}
