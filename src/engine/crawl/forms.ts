// HTML forms as a browser submits them, after the HTML Living Standard: which controls belong to
// which form (tree order, the `form` attribute, nested <form> tags ignored as the parser ignores
// them), which of them contribute to the entry list and with what value ("constructing the entry
// list"), and where and how the form goes ("form submission algorithm": action, method, enctype,
// the submitter's formaction/formmethod/formenctype). html.ts feeds a FormCollector from the
// tokenizer; formSubmissions() turns one form into the requests a browser would send, one per
// submit button, bounded. Pure functions and plain data: this runs in extraction threads too.
import type { BodyKind, FormField } from '../../core/model.js';
import { DANGEROUS } from '../scope.js';

export interface FormOption {
  value: string;
  selected: boolean;
  disabled: boolean;
}

export interface FormControl {
  tag: 'input' | 'button' | 'select' | 'textarea';
  /** Input type lower-cased (unknown or missing: "text"); submit/reset/button for <button>; select-one/select-multiple; textarea. */
  type: string;
  name: string;
  /** The value attribute (a textarea: its text); null when absent. */
  value: string | null;
  checked: boolean;
  /** Disabled itself or inside a disabled fieldset. */
  disabled: boolean;
  /** Attributes that shape the value or the submission: min, max, maxlength, dirname, formaction, formmethod, formenctype. */
  attrs: Record<string, string>;
  options?: FormOption[];
}

export interface FoundForm {
  id: string | null;
  /** The action attribute; null when absent. */
  action: string | null;
  /** method attribute, lower-cased ('' when absent). */
  method: string;
  enctype: string;
  controls: FormControl[];
}

/** One request a form sends when submitted by one of its buttons. */
export interface FormSubmission {
  method: 'GET' | 'POST';
  /** Absolute, fragment removed; a GET form's entries are its query. */
  url: string;
  bodyKind?: BodyKind;
  /** The entries of a POST form, plus unsent checkboxes and radios marked `unsent`. */
  fields?: FormField[];
  /** Names of a GET form's unchecked checkboxes and radios: not sent, still insertion points. */
  absentQuery?: string[];
  /** The submit button's label (value or name), when one submitted it. */
  submitter?: string;
}

export interface FormSkip {
  url: string;
  why: string;
}

const SUBMIT_TYPES = new Set(['submit', 'image']);
const BUTTON_TYPES = new Set(['submit', 'image', 'reset', 'button']);
const INPUT_TYPES = new Set([
  'hidden', 'text', 'search', 'tel', 'url', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local', 'number',
  'range', 'color', 'checkbox', 'radio', 'file', 'submit', 'image', 'reset', 'button',
]);
const KEPT_ATTRS = ['min', 'max', 'maxlength', 'dirname', 'formaction', 'formmethod', 'formenctype'];
/** Submit buttons per form that become variants of their own. */
export const MAX_SUBMITTERS = 4;
/** Options of a GET form's first select tried as variants, when it has no more than this many. */
export const MAX_OPTION_VARIANTS = 5;
/** Requests one form may become in all. */
export const MAX_FORM_VARIANTS = 8;

const collapse = (s: string): string => s.replace(/[\t\n\f\r ]+/g, ' ').trim();

/**
 * Collects forms and their controls from tag events. Owners are resolved at the end, since a
 * control's `form="id"` may name a form further down the page.
 */
export class FormCollector {
  readonly forms: FoundForm[] = [];
  private pointer: FoundForm | null = null;
  /** Controls in tree order with what owns them: a form, a form id to look up, or nothing. */
  private readonly placed: { control: FormControl; owner: FoundForm | string | null }[] = [];
  private fieldsets: boolean[] = [];
  private disabledDepth = 0;
  private select: FormControl | null = null;
  private optgroupDisabled = false;
  private option: { value: string | null; selected: boolean; disabled: boolean; text: string } | null = null;
  private textarea: FormControl | null = null;

  wantsText(): boolean {
    return this.option !== null || this.textarea !== null;
  }

  open(tag: string, attrs: Record<string, string>): void {
    switch (tag) {
      case 'form':
        // The parser ignores a <form> start tag while another form is open: its controls stay
        // with the outer form, and the inner </form> closes the outer one.
        if (this.pointer === null) {
          this.pointer = { id: attrs.id ?? null, action: attrs.action ?? null, method: (attrs.method ?? '').trim().toLowerCase(), enctype: (attrs.enctype ?? '').trim().toLowerCase(), controls: [] };
          this.forms.push(this.pointer);
        }
        return;
      case 'fieldset': {
        const d = attrs.disabled !== undefined;
        this.fieldsets.push(d);
        if (d) this.disabledDepth++;
        return;
      }
      case 'input': {
        this.closeSelect();
        const raw = (attrs.type ?? '').trim().toLowerCase();
        this.place(this.control('input', INPUT_TYPES.has(raw) ? raw : 'text', attrs), attrs);
        return;
      }
      case 'button': {
        const raw = (attrs.type ?? '').trim().toLowerCase();
        this.place(this.control('button', raw === 'reset' || raw === 'button' ? raw : 'submit', attrs), attrs);
        return;
      }
      case 'select': {
        this.closeSelect();
        const c = this.control('select', attrs.multiple !== undefined ? 'select-multiple' : 'select-one', attrs);
        c.options = [];
        this.select = c;
        this.place(c, attrs);
        return;
      }
      case 'optgroup':
        this.closeOption();
        this.optgroupDisabled = attrs.disabled !== undefined;
        return;
      case 'option':
        this.closeOption();
        if (this.select) this.option = { value: attrs.value ?? null, selected: attrs.selected !== undefined, disabled: attrs.disabled !== undefined || this.optgroupDisabled, text: '' };
        return;
      case 'textarea': {
        this.closeSelect();
        const c = this.control('textarea', 'textarea', attrs);
        c.value = '';
        this.textarea = c;
        this.place(c, attrs);
        return;
      }
      default:
    }
  }

  text(t: string): void {
    if (this.option && this.option.text.length < 200) this.option.text += t;
    if (this.textarea && (this.textarea.value ?? '').length < 64 * 1024) this.textarea.value += t;
  }

  close(tag: string): void {
    switch (tag) {
      case 'form':
        this.pointer = null;
        return;
      case 'fieldset':
        if (this.fieldsets.pop() === true) this.disabledDepth--;
        return;
      case 'option':
        this.closeOption();
        return;
      case 'optgroup':
        this.closeOption();
        this.optgroupDisabled = false;
        return;
      case 'select':
        this.closeSelect();
        return;
      case 'textarea':
        if (this.textarea) {
          // the parser drops one newline right after <textarea>
          this.textarea.value = (this.textarea.value ?? '').replace(/^\r?\n/, '');
          this.textarea = null;
        }
        return;
      default:
    }
  }

  /** The forms with their controls, in tree order. Call once, after the last tag. */
  end(): FoundForm[] {
    this.closeSelect();
    if (this.textarea) this.close('textarea');
    const byId = new Map<string, FoundForm>();
    for (const f of this.forms) if (f.id !== null && !byId.has(f.id)) byId.set(f.id, f);
    for (const { control, owner } of this.placed) {
      const form = typeof owner === 'string' ? byId.get(owner) : owner;
      form?.controls.push(control);
    }
    return this.forms;
  }

  private control(tag: FormControl['tag'], type: string, attrs: Record<string, string>): FormControl {
    const kept: Record<string, string> = {};
    for (const k of KEPT_ATTRS) if (attrs[k] !== undefined) kept[k] = attrs[k] as string;
    return { tag, type, name: attrs.name ?? '', value: attrs.value ?? null, checked: attrs.checked !== undefined, disabled: attrs.disabled !== undefined || this.disabledDepth > 0, attrs: kept };
  }

  private place(control: FormControl, attrs: Record<string, string>): void {
    // a `form` attribute overrides the enclosing form, even when it names no form at all
    this.placed.push({ control, owner: attrs.form !== undefined ? attrs.form : this.pointer });
  }

  private closeOption(): void {
    const o = this.option;
    if (!o || !this.select) return;
    this.option = null;
    this.select.options?.push({ value: o.value ?? collapse(o.text), selected: o.selected, disabled: o.disabled });
  }

  private closeSelect(): void {
    this.closeOption();
    this.select = null;
    this.optgroupDisabled = false;
  }
}

/** A value of the control's type for an empty field, so that a server that validates it takes the code path behind it. */
/** The value a crawl gives an empty text-like control (the browser crawl fills rendered forms with it too). */
export function placeholder(c: Pick<FormControl, 'type' | 'attrs'>, origin: string): string {
  const num = (k: string): number | null => {
    const v = Number(c.attrs[k]);
    return c.attrs[k] !== undefined && c.attrs[k] !== '' && Number.isFinite(v) ? v : null;
  };
  switch (c.type) {
    case 'email':
      return 'wsc@example.com';
    case 'url':
      return origin + '/';
    case 'tel':
      return '5555550100';
    case 'number':
      return String(num('min') ?? (num('max') !== null ? Math.min(1, num('max') as number) : 1));
    case 'range': {
      // a browser never sends an empty range: its default is the middle of min..max
      const min = num('min') ?? 0;
      const max = num('max') ?? 100;
      return String(max < min ? min : min + (max - min) / 2);
    }
    case 'date':
      return '2024-01-01';
    case 'month':
      return '2024-01';
    case 'week':
      return '2024-W01';
    case 'time':
      return '12:00';
    case 'datetime-local':
      return '2024-01-01T12:00';
    case 'color':
      return '#000000';
    default:
      return 'wsc';
  }
}

const TEXT_LIKE = new Set(['text', 'search', 'tel', 'url', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local', 'number', 'range', 'color', 'textarea']);

function isSubmitter(c: FormControl): boolean {
  return (c.tag === 'button' && c.type === 'submit') || (c.tag === 'input' && SUBMIT_TYPES.has(c.type));
}

function bodyKindOf(enctype: string): BodyKind {
  if (enctype === 'multipart/form-data') return 'multipart';
  if (enctype === 'text/plain') return 'text';
  return 'urlencoded';
}

/** The entry list for one submitter (null: submitted without one, e.g. by Enter), and the unsent names. */
function entries(form: FoundForm, submitter: FormControl | null, multipart: boolean, origin: string, selectOverride?: { control: FormControl; value: string }): { fields: FormField[]; unsent: FormField[] } {
  const fields: FormField[] = [];
  const unsent: FormField[] = [];
  const sentNames = new Set<string>();
  for (const c of form.controls) {
    if (c.disabled) continue;
    if (c.tag === 'button' || (c.tag === 'input' && BUTTON_TYPES.has(c.type))) {
      if (c !== submitter) continue;
      if (c.type === 'image') {
        const p = c.name === '' ? '' : `${c.name}.`;
        fields.push({ name: `${p}x`, value: '0', type: 'image' }, { name: `${p}y`, value: '0', type: 'image' });
        continue;
      }
    }
    if (c.name === '') continue;
    if (c.type === 'checkbox' || c.type === 'radio') {
      const value = c.value ?? 'on';
      if (c.checked) {
        fields.push({ name: c.name, value, type: c.type });
        sentNames.add(c.name);
      } else if (!unsent.some((u) => u.name === c.name)) unsent.push({ name: c.name, value, type: c.type, unsent: true });
      continue;
    }
    if (c.tag === 'select') {
      const opts = c.options ?? [];
      let chosen: FormOption[];
      if (selectOverride?.control === c) chosen = [{ value: selectOverride.value, selected: true, disabled: false }];
      else {
        chosen = opts.filter((o) => o.selected && !o.disabled);
        // a single select shows (and sends) its first option when none is selected
        if (chosen.length === 0 && c.type === 'select-one') chosen = opts.filter((o) => !o.disabled).slice(0, 1);
        else if (c.type === 'select-one') chosen = chosen.slice(-1);
      }
      if (chosen.length === 0 && opts[0]) unsent.push({ name: c.name, value: opts[0].value, type: c.type, unsent: true });
      for (const o of chosen) fields.push({ name: c.name, value: o.value, type: c.type });
      continue;
    }
    if (c.type === 'file') {
      // no file is chosen by a crawler: a small text file stands in, as a tester would pick one
      fields.push(multipart ? { name: c.name, value: 'wsc test file', filename: 'test.txt', contentType: 'text/plain', type: 'file' } : { name: c.name, value: 'test.txt', type: 'file' });
      continue;
    }
    let value = c.value ?? '';
    if (c.type === 'hidden' && c.name === '_charset_') value = 'UTF-8';
    else if (value === '' && TEXT_LIKE.has(c.type)) value = placeholder(c, origin);
    const max = Number(c.attrs.maxlength);
    if (c.attrs.maxlength !== undefined && Number.isInteger(max) && max >= 0 && value.length > max) value = value.slice(0, max);
    fields.push({ name: c.name, value, type: c.type });
    const dir = c.attrs.dirname;
    if (dir && (c.tag === 'textarea' || c.type === 'text' || c.type === 'search')) fields.push({ name: dir, value: 'ltr', type: 'hidden' });
  }
  return { fields, unsent: unsent.filter((u) => !sentNames.has(u.name)) };
}

/**
 * What a script sends of a form without a submitter ($(form).serialize(), new FormData(form)):
 * its entries, unchecked boxes as unsent insertion points.
 */
export function formEntries(form: FoundForm, pageUrl: string, multipart: boolean): FormField[] {
  const { fields, unsent } = entries(form, null, multipart, new URL(pageUrl).origin);
  return [...fields, ...unsent];
}

const POSTBACK = /__doPostBack\s*\(\s*['"]([^'"]{0,200})['"]\s*,\s*['"]([^'"]{0,200})['"]\s*\)/g;
/** ASP.NET postbacks per form that become variants of their own. */
export const MAX_POSTBACKS = 4;

/**
 * ASP.NET WebForms: a link or control that calls __doPostBack('target', 'argument') fills the
 * form's __EVENTTARGET and __EVENTARGUMENT and submits it without a submit button. One form per
 * postback the page's scripts make (the first MAX_POSTBACKS), ready for formSubmissions().
 */
export function postbackForms(form: FoundForm, scripts: readonly string[]): FoundForm[] {
  if (!form.controls.some((c) => c.name === '__EVENTTARGET')) return [];
  const out: FoundForm[] = [];
  const seen = new Set<string>();
  for (const src of scripts) {
    for (const m of src.matchAll(POSTBACK)) {
      const [target, arg] = [m[1] ?? '', m[2] ?? ''];
      if (seen.has(target + '\u0000' + arg) || out.length >= MAX_POSTBACKS) continue;
      seen.add(target + '\u0000' + arg);
      const controls = form.controls
        .filter((c) => !isSubmitter(c))
        .map((c) => (c.name === '__EVENTTARGET' ? { ...c, value: target } : c.name === '__EVENTARGUMENT' ? { ...c, value: arg } : c));
      out.push({ ...form, controls });
    }
  }
  return out;
}

function labelOf(s: FormControl): string {
  return collapse(`${s.name} ${s.value ?? ''}`);
}

/** Parses an action or formaction against the document's base; the empty or missing one is the document's URL. */
function actionUrl(raw: string | null | undefined, pageUrl: string, base: string): URL | null {
  const a = raw === null || raw === undefined ? '' : raw.trim();
  let u: URL;
  try {
    u = new URL(a === '' ? pageUrl : a, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  return u;
}

/**
 * The requests a browser sends for `form` on the page at `pageUrl` (links resolved against
 * `base`): one per enabled submit button (the first MAX_SUBMITTERS), or one without a submitter
 * when the form has none; for a GET form also one per option of its first small select. Forms
 * with method "dialog" send nothing; submit buttons whose label or action looks destructive
 * (delete, logout...) are skipped and reported in `skipped`, whatever a browser would do.
 */
export function formSubmissions(form: FoundForm, pageUrl: string, base: string): { submissions: FormSubmission[]; skipped: FormSkip[] } {
  const submissions: FormSubmission[] = [];
  const skipped: FormSkip[] = [];
  const seen = new Set<string>();
  const origin = new URL(pageUrl).origin;
  const buttons = form.controls.filter((c) => !c.disabled && isSubmitter(c)).slice(0, MAX_SUBMITTERS);
  const submitters: (FormControl | null)[] = buttons.length > 0 ? buttons : [null];
  const add = (s: FormSubmission): void => {
    const key = `${s.method} ${s.url} ${s.bodyKind ?? ''} ${JSON.stringify(s.fields ?? [])}`;
    if (seen.has(key) || submissions.length >= MAX_FORM_VARIANTS) return;
    seen.add(key);
    submissions.push(s);
  };
  const build = (submitter: FormControl | null, override?: { control: FormControl; value: string }): FormSubmission | null => {
    const method = (submitter?.attrs.formmethod ?? form.method).trim().toLowerCase();
    // method "dialog" closes a dialog and sends nothing
    if (method === 'dialog') return null;
    const url = actionUrl(submitter?.attrs.formaction !== undefined ? submitter.attrs.formaction : form.action, pageUrl, base);
    if (!url) return null;
    const label = submitter ? labelOf(submitter) : undefined;
    const why = destructiveSubmission(url, label);
    if (why !== null) {
      skipped.push({ url: url.href, why });
      return null;
    }
    const kind = bodyKindOf((submitter?.attrs.formenctype ?? form.enctype).trim().toLowerCase());
    const post = method === 'post';
    const { fields, unsent } = entries(form, submitter, post && kind === 'multipart', origin, override);
    const out: FormSubmission = { method: post ? 'POST' : 'GET', url: url.href };
    if (label) out.submitter = label;
    if (post) {
      out.bodyKind = kind;
      out.fields = [...fields, ...unsent];
    } else {
      // a GET form's entries replace the action's query
      const q = new URLSearchParams();
      for (const f of fields) q.append(f.name, f.value);
      url.search = q.toString();
      out.url = url.href;
      if (unsent.length > 0) out.absentQuery = unsent.map((u) => u.name);
    }
    return out;
  };
  for (const s of submitters) {
    const sub = build(s);
    if (sub) add(sub);
  }
  // A GET form's small select often picks the page or mode: each option is a page worth reading.
  const first = submitters[0] ?? null;
  const select = form.controls.find((c) => c.tag === 'select' && c.type === 'select-one' && !c.disabled && c.name !== '');
  const options = select?.options?.filter((o) => !o.disabled) ?? [];
  if (select && options.length > 1 && options.length <= MAX_OPTION_VARIANTS && (first?.attrs.formmethod ?? form.method).trim().toLowerCase() !== 'post') {
    for (const o of options) {
      const sub = build(first, { control: select, value: o.value });
      if (sub && sub.method === 'GET') add(sub);
    }
  }
  return { submissions, skipped };
}

/**
 * Why submitting a form to `url` with the button labelled `label` is left out (an action or a
 * button that looks destructive: delete, logout...), or null. The browser crawl asks the same
 * before it submits a rendered form or clicks an element.
 */
export function destructiveSubmission(url: URL, label?: string): string | null {
  if (DANGEROUS.test(decodeSafe(url.pathname + ' ' + url.search)) || (label !== undefined && DANGEROUS.test(label))) {
    return `the form's ${label ? `button "${label}"` : 'action'} looks destructive`;
  }
  return null;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // malformed escapes: the raw text still holds the words
    return s;
  }
}
