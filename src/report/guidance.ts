// Per-item text for developers reading a report: what the weakness is, why it matters, how to fix
// it, and where it sits in CWE and the OWASP Top 10 (2021). Check metadata (remediation, CWE) is
// more specific and wins when present; this table covers every item, checked or not yet.
import type { ScanItem } from '../core/items.js';

export interface ItemGuidance {
  what: string;
  why: string;
  fix: string;
  /** The item's usual CWE, when a finding does not carry a more specific one. */
  cwe: number;
  /** OWASP Top 10 2021 category, e.g. "A03:2021 Injection". */
  owasp: string;
}

const A01 = 'A01:2021 Broken Access Control';
const A02 = 'A02:2021 Cryptographic Failures';
const A03 = 'A03:2021 Injection';
const A04 = 'A04:2021 Insecure Design';
const A05 = 'A05:2021 Security Misconfiguration';
const A06 = 'A06:2021 Vulnerable and Outdated Components';
const A10 = 'A10:2021 Server-Side Request Forgery';

export const GUIDANCE: Readonly<Record<ScanItem, ItemGuidance>> = Object.freeze({
  LFI: {
    what: 'Local file inclusion: a request parameter chooses a file on the server that the application reads or includes.',
    why: 'An attacker reads configuration files, source code and credentials (e.g. /etc/passwd, .env), and with some runtimes executes code.',
    fix: 'Never build file paths from request input. Map allowed values to fixed paths (an allow-list), resolve the final path and check it stays inside the intended directory, and run the process with the least file-system access it needs.',
    cwe: 98,
    owasp: A03,
  },
  'SQL Injection': {
    what: 'Request input reaches an SQL statement as code instead of data.',
    why: 'An attacker reads or changes any data the database account can reach, bypasses login, and sometimes runs commands on the database host.',
    fix: 'Use parameterized queries or prepared statements everywhere (including ORDER BY and LIMIT values, through allow-lists). Never concatenate input into SQL. Give the application a database account with the least privileges and hide database errors from responses.',
    cwe: 89,
    owasp: A03,
  },
  XSS: {
    what: 'Cross-site scripting: input is written into a page without the encoding its context needs, so a browser runs it as script.',
    why: "An attacker runs script in victims' browsers: steals sessions, acts as the user, rewrites the page or phishes credentials.",
    fix: 'Encode output for its context (HTML body, attribute, JavaScript, URL) with the template engine\'s auto-escaping; never insert raw input with innerHTML or similar. Add a strict Content-Security-Policy and mark session cookies HttpOnly.',
    cwe: 79,
    owasp: A03,
  },
  RFI: {
    what: 'Remote file inclusion: a parameter makes the server load and run code from a URL the attacker controls.',
    why: 'This is remote code execution: the attacker runs their own code on the server.',
    fix: 'Never include or evaluate files named by request input. Use an allow-list of local modules, and disable remote includes in the runtime (e.g. PHP allow_url_include=Off).',
    cwe: 98,
    owasp: A03,
  },
  SSRF: {
    what: 'Server-side request forgery: the server fetches a URL that the request chooses.',
    why: 'An attacker reaches internal services and cloud metadata endpoints (credentials) from inside the network, bypassing firewalls.',
    fix: 'Fetch only URLs from an allow-list of hosts. Resolve the host and refuse private, loopback and link-local addresses (check again after redirects, or do not follow them). Block egress from application servers to metadata and internal ranges.',
    cwe: 918,
    owasp: A10,
  },
  'File Upload': {
    what: 'The upload feature accepts files that the server later serves or executes (scripts, HTML, SVG).',
    why: 'An uploaded script becomes a web shell (remote code execution); uploaded HTML or SVG serves stored XSS from your origin.',
    fix: 'Allow-list extensions and check content; store uploads outside the web root under generated names; serve them from a separate domain with Content-Disposition: attachment and X-Content-Type-Options: nosniff; never execute the upload directory.',
    cwe: 434,
    owasp: A04,
  },
  'File Download': {
    what: 'A download endpoint takes a file name or path from the request and returns any file it names (path traversal).',
    why: 'An attacker downloads source code, configuration, keys and other users\' files.',
    fix: 'Refer to downloadable files by an id looked up server-side, not by name. If names are needed, canonicalize the path and check it stays inside the download directory; refuse "..", absolute paths and encoded separators.',
    cwe: 22,
    owasp: A01,
  },
  XXE: {
    what: 'XML external entities: the XML parser resolves entities and DTDs that the request supplies.',
    why: 'An attacker reads local files, makes the server send requests (SSRF) or exhausts memory.',
    fix: 'Disable DTDs and external entity resolution in every XML parser (or use a parser that has them off by default); prefer JSON where possible.',
    cwe: 611,
    owasp: A05,
  },
  'Command Injection': {
    what: 'Request input reaches an operating-system command line.',
    why: 'An attacker runs any command with the application\'s rights: full server compromise.',
    fix: 'Do not call a shell. Use library functions, or run programs with an argument array (no shell) and allow-listed values; never pass raw input to system(), exec() or backticks.',
    cwe: 78,
    owasp: A03,
  },
  'Insufficient Authorization': {
    what: 'A page or action that should require a login or a role answers without it.',
    why: 'Anyone can reach data or functions meant for signed-in users or administrators.',
    fix: 'Enforce authorization on the server for every request (deny by default), check the object belongs to the user, and do not rely on hidden links or client-side checks.',
    cwe: 285,
    owasp: A01,
  },
  'Specific Vulnerability': {
    what: 'A known vulnerability of a specific product, framework or component version was detected.',
    why: 'Public exploits exist for known vulnerabilities; they are the first thing attackers try.',
    fix: 'Upgrade the component to a fixed version, apply the vendor\'s patch or mitigation, and keep an inventory of components and their versions.',
    cwe: 1035,
    owasp: A06,
  },
  'File Management': {
    what: 'Backup, temporary, old or configuration files are reachable on the web server.',
    why: 'They leak source code, credentials and internal structure that make other attacks easy.',
    fix: 'Remove backups, editor swap files, archives and old copies from the web root; deploy from a build artifact rather than a working copy; deny access to such extensions in the server configuration.',
    cwe: 530,
    owasp: A05,
  },
  'Directory Listing': {
    what: 'The web server lists the files of a directory that has no index page.',
    why: 'Visitors see every file in the directory, including ones never meant to be linked (backups, uploads, data).',
    fix: 'Turn off automatic directory indexes (Apache Options -Indexes, nginx autoindex off, IIS directoryBrowse off) and add index pages where a listing is not intended.',
    cwe: 548,
    owasp: A05,
  },
  'Source Code Disclosure': {
    what: 'Server-side source code (or a repository such as .git) is served as text.',
    why: 'Source reveals credentials, hidden endpoints and logic flaws to the attacker.',
    fix: 'Make sure the server executes, never serves, script files; remove .git, .svn and similar folders from deployments and deny them in the server configuration.',
    cwe: 540,
    owasp: A05,
  },
  'Information Disclosure': {
    what: 'Responses reveal internal details: stack traces, debug pages, product versions.',
    why: 'Versions and traces tell an attacker which exploits to try and how the code is built.',
    fix: 'Turn off debug mode in production, answer errors with a generic page and log details server-side, and remove version numbers from Server, X-Powered-By and generator banners.',
    cwe: 200,
    owasp: A05,
  },
  'URL Redirection': {
    what: 'Open redirect: a parameter sends the browser to any URL the request chooses.',
    why: 'Phishing links look like they point to your site, and redirects can leak tokens (OAuth) to an attacker.',
    fix: 'Redirect only to relative paths or to an allow-list of destinations; map destinations to ids instead of taking URLs from the request.',
    cwe: 601,
    owasp: A01,
  },
  'Insecure SSL/TLS': {
    what: 'The TLS configuration allows old protocol versions, weak ciphers, or the certificate is invalid.',
    why: 'Traffic can be read or changed by someone on the network path.',
    fix: 'Allow only TLS 1.2 and 1.3 with modern cipher suites, use a valid certificate for the host name, redirect HTTP to HTTPS and send Strict-Transport-Security.',
    cwe: 326,
    owasp: A02,
  },
  'Mixed Content': {
    what: 'An HTTPS page loads scripts, styles, images or forms over plain HTTP.',
    why: 'A network attacker can replace the HTTP resource (a script runs in your page) or read what a form posts.',
    fix: 'Load every resource over HTTPS (or protocol-relative to HTTPS), and add Content-Security-Policy: upgrade-insecure-requests.',
    cwe: 319,
    owasp: A02,
  },
  'HTTP Request Smuggling': {
    what: 'Front-end and back-end servers disagree on where a request ends (Content-Length versus Transfer-Encoding).',
    why: 'An attacker prepends data to other users\' requests: cache poisoning, session hijacking, bypass of front-end controls.',
    fix: 'Use HTTP/2 end to end where possible; make the front end normalize or reject ambiguous requests (both CL and TE, malformed TE); keep proxies and servers up to date.',
    cwe: 444,
    owasp: A05,
  },
  'Personal Information Exposure': {
    what: 'Pages expose personal data such as national ids, phone numbers, card numbers or e-mail addresses.',
    why: 'Leaked personal data harms users and breaks privacy law (fines, notification duties).',
    fix: 'Show personal data only to its owner after authorization, mask it where shown (e.g. last four digits), and never put it in URLs, comments or client-side code.',
    cwe: 359,
    owasp: A01,
  },
  'SSI Injection': {
    what: 'Server-side include directives in the request are executed by the web server.',
    why: 'An attacker runs commands or reads files on the server through <!--#exec --> and <!--#include -->.',
    fix: 'Disable SSI where not needed (Options -Includes, or IncludesNOEXEC), and encode input written into .shtml pages.',
    cwe: 97,
    owasp: A03,
  },
  // wsc's extension items (not NCP's)
  'CRLF Injection': {
    what: 'Carriage return and line feed characters from the request reach a response header.',
    why: 'An attacker adds headers of their own (Set-Cookie: session fixation, Location) or a whole response body (XSS, cache poisoning) to a link a victim follows.',
    fix: 'Never copy request input into response headers without refusing or encoding CR and LF; use the framework\'s header API, which rejects them, and redirect to allow-listed targets only.',
    cwe: 113,
    owasp: A03,
  },
  CSRF: {
    what: 'Cross-site request forgery: a state-changing request is accepted without a token or an Origin check, so any site can make a visitor\'s browser send it.',
    why: 'An attacker\'s page changes the victim\'s password, e-mail, settings or data with the victim\'s session.',
    fix: 'Require an unpredictable per-session or per-request token in every state-changing request (the framework\'s CSRF protection), check Origin or Referer, and set session cookies SameSite=Lax or Strict.',
    cwe: 352,
    owasp: A01,
  },
  'Cookie Security': {
    what: 'A cookie is set without the attributes that keep it private: Secure, HttpOnly, SameSite.',
    why: 'Without Secure it travels over plain HTTP; without HttpOnly a script (XSS) reads it; without SameSite other sites\' requests carry it (CSRF).',
    fix: 'Set session and authentication cookies with Secure, HttpOnly and SameSite=Lax (or Strict), in the framework\'s session settings.',
    cwe: 1004,
    owasp: A05,
  },
  'Security Headers': {
    what: 'Responses lack the headers that make browsers refuse framing, MIME sniffing, inline script and referrer leaks (CSP, X-Frame-Options or frame-ancestors, X-Content-Type-Options, Referrer-Policy), or set them weakly.',
    why: 'Each missing header leaves a browser defence off: clickjacking, script injection with no second line of defence, MIME confusion, URLs with tokens leaking to other sites.',
    fix: 'Send Content-Security-Policy (no unsafe-inline or wildcards in script-src, frame-ancestors set), X-Content-Type-Options: nosniff and Referrer-Policy: strict-origin-when-cross-origin (or stricter) on every response, from the server or framework configuration.',
    cwe: 693,
    owasp: A05,
  },
  CORS: {
    what: 'Cross-origin resource sharing lets any origin (or the "null" origin) read responses with the visitor\'s credentials.',
    why: 'A page on any site reads the victim\'s data from this one: the same-origin policy is switched off for it.',
    fix: 'Answer Access-Control-Allow-Origin only for an allow-list of exact origins, never by echoing the Origin header, never for "null", and only add Access-Control-Allow-Credentials where it is needed.',
    cwe: 942,
    owasp: A05,
  },
  SSTI: {
    what: 'Server-side template injection: request input is compiled as part of a template (Jinja2, Twig, Freemarker, ERB, Handlebars...).',
    why: 'Template expressions reach the runtime: an attacker reads secrets and usually runs code on the server.',
    fix: 'Pass input to templates as data (context variables), never as template source; if users must write templates, use a logic-less sandboxed engine.',
    cwe: 1336,
    owasp: A03,
  },
  'LDAP Injection': {
    what: 'Request input reaches an LDAP search filter as filter syntax.',
    why: 'An attacker bypasses directory-based login and reads directory entries (users, groups, attributes) the query should not return.',
    fix: 'Escape input for LDAP filters (RFC 4515: \\2a for *, \\28 \\29 for parentheses, \\5c, NUL) with the library\'s escaping function, and validate it against the expected format.',
    cwe: 90,
    owasp: A03,
  },
  'XPath Injection': {
    what: 'Request input reaches an XPath query as XPath syntax.',
    why: 'An attacker bypasses XML-based login and reads any node of the document (users, passwords).',
    fix: 'Use parameterized XPath (variables bound by the API) or escape quotes for the literal\'s delimiter; validate input against the expected format.',
    cwe: 643,
    owasp: A03,
  },
  'HTTP Methods': {
    what: 'The server accepts risky HTTP methods: TRACE echoes requests, PUT stores files, DELETE removes them.',
    why: 'TRACE reflects credentials to scripts (cross-site tracing); PUT lets anyone place content or code on the site; DELETE lets anyone remove it.',
    fix: 'Allow only the methods each resource needs (GET, POST, HEAD); disable TRACE in the server and WebDAV methods unless authenticated users need them.',
    cwe: 650,
    owasp: A05,
  },
});

/** "CWE-79" and its MITRE page, for reports. */
export function cweRef(cwe: number): { id: string; url: string } {
  return { id: `CWE-${cwe}`, url: `https://cwe.mitre.org/data/definitions/${cwe}.html` };
}
