// Probe files for the File Upload check: server-executable types whose output proves execution,
// and active-content types whose intact markup, served inline, proves script would run.

export type ProbeKind = 'execution' | 'active content';

export interface ProbeVariant {
  /** Shown in the proof. */
  label: string;
  /** Appended to wsc-probe-<random>. */
  suffix: string;
  /** The part's Content-Type as sent. */
  contentType: string;
  kind: ProbeKind;
  /** The file content; `a*b` is the arithmetic an interpreter evaluates, `marker` the active-content id. */
  content(a: number, b: number, marker: string): string;
}

const php = (a: number, b: number): string => `<?php echo ${a}*${b}; ?>`;
// A GIF header in front passes "is it an image" magic-byte checks and is harmless to an interpreter.
const phpAsGif = (a: number, b: number): string => `GIF89a\n${php(a, b)}\n`;
const scriptlet = (a: number, b: number): string => `<%= ${a}*${b} %>`;

// Execution first: one executed probe is the worst case, and later probes are then not needed.
export const VARIANTS: readonly ProbeVariant[] = [
  { label: 'PHP script', suffix: '.php', contentType: 'application/x-php', kind: 'execution', content: php },
  { label: 'PHP script sent as image/jpeg', suffix: '.php', contentType: 'image/jpeg', kind: 'execution', content: phpAsGif },
  { label: 'double extension .php.jpg', suffix: '.php.jpg', contentType: 'image/jpeg', kind: 'execution', content: phpAsGif },
  { label: 'double extension .jpg.php', suffix: '.jpg.php', contentType: 'image/jpeg', kind: 'execution', content: phpAsGif },
  { label: 'PHP alternative extension .phtml', suffix: '.phtml', contentType: 'image/gif', kind: 'execution', content: phpAsGif },
  { label: 'JSP page', suffix: '.jsp', contentType: 'application/octet-stream', kind: 'execution', content: scriptlet },
  { label: 'ASP.NET page', suffix: '.aspx', contentType: 'application/octet-stream', kind: 'execution', content: scriptlet },
  {
    label: 'HTML page',
    suffix: '.html',
    contentType: 'text/html',
    kind: 'active content',
    content: (_a, _b, m) => `<!doctype html><html><head><title>${m}</title></head><body><p id="${m}">${m}</p><script>document.title = '${m}';</script></body></html>\n`,
  },
  {
    label: 'SVG image with script',
    suffix: '.svg',
    contentType: 'image/svg+xml',
    kind: 'active content',
    content: (_a, _b, m) => `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><script>document.title = '${m}';</script><text id="${m}" x="0" y="12">${m}</text></svg>\n`,
  },
];

/** Content types a browser renders as a document that runs script. */
export const ACTIVE_TYPES = /^\s*(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml)\s*(?:;|$)/i;

/** Folders where upload handlers commonly store files, relative to the site root and the form. */
export const STORAGE_DIRS: readonly string[] = ['uploads/', 'files/', 'upload/', 'images/'];
