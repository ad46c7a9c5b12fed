// The createJob words, as src/core/items.ts and src/core/status.ts define them (a test keeps the
// two in step).
export const VULN_ITEMS = ['LFI', 'SQL Injection', 'XSS', 'RFI', 'SSRF', 'File Upload', 'File Download', 'XXE', 'Command Injection', 'Insufficient Authorization', 'Specific Vulnerability', 'File Management', 'Directory Listing', 'Source Code Disclosure', 'Information Disclosure', 'URL Redirection', 'Insecure SSL/TLS', 'Mixed Content', 'HTTP Request Smuggling', 'Personal Information Exposure', 'SSI Injection'];
export const EXTENSION_ITEMS = ['CRLF Injection', 'CSRF', 'Cookie Security', 'Security Headers', 'CORS', 'SSTI', 'LDAP Injection', 'XPath Injection', 'HTTP Methods'];
export const ALL_WORD = 'ALL';
export const EXTENDED_WORD = 'EXTENDED';
export const USER_AGENTS = ['PC Chrome', 'PC IE', 'iPhone', 'Android'];
export const SPEEDS = [['1', 'normal'], ['2', 'a bit faster'], ['3', 'fast']];
export const CRAWL_MODES = [['', 'default (auto)'], ['auto', 'auto: Chromium when the site needs it'], ['html', 'html: HTML crawler only'], ['browser', 'browser: also headless Chromium']];
export const SEVERITIES = ['high', 'medium', 'low', 'info'];
export const STATUSES = [[12, 'Scheduled'], [13, 'Collecting URLs'], [14, 'URL collection completed'], [15, 'URL collection failed'], [2, 'Diagnostics pending'], [3, 'Diagnosing'], [4, 'Diagnostics completed'], [5, 'Diagnostics failed'], [91, 'Canceled'], [92, 'Stopping'], [93, 'Stopped']];
export const FINAL_STATUS_TEXTS = ['Diagnostics completed', 'Diagnostics failed', 'URL collection failed', 'Canceled', 'Stopped'];
/** Engine limits of createJob's Limits (name, unit shown in the label). */
export const LIMITS = [
  ['maxUrls', 'URLs'], ['maxDepth', 'levels'], ['maxDurationMs', 'ms'], ['requestTimeoutMs', 'ms'], ['maxResponseBytes', 'bytes'],
  ['maxRedirects', 'redirects'], ['maxRequests', 'requests'], ['maxVariantsPerPattern', 'variants'], ['maxErrorRate', '%'],
  ['maxConsecutiveFailures', 'failures'], ['targetDownAfterMs', 'ms'], ['maxBrowserPages', 'pages'], ['browserPageTimeoutMs', 'ms'], ['maxBrowserActions', 'actions'],
];
export const NOTIFY_EVENTS = ['job.completed', 'job.failed', 'finding.high'];
