// Every check the engine knows, in one explicit list. An item without a check simply has none here.
import type { ScanItem } from '../core/items.js';
import type { Check } from './types.js';
import { directoryListing } from './directory-listing.js';
import { informationDisclosure } from './information-disclosure.js';
import { sourceCodeDisclosure } from './source-code-disclosure.js';
import { mixedContent } from './mixed-content.js';
import { personalInformation } from './personal-information.js';
import { fileUpload } from './file-upload.js';
import { fileDownload } from './file-download.js';
import { urlRedirection } from './url-redirection.js';
import { lfi } from './lfi.js';
import { rfi } from './rfi.js';
import { ssrf } from './ssrf.js';
import { xxe } from './xxe.js';
import { ssiInjection } from './ssi-injection.js';
import { sqlInjection } from './sql-injection.js';
import { xss } from './xss.js';
import { domXss } from './dom-xss.js';
import { commandInjection } from './command-injection.js';
import { insecureTls } from './insecure-tls.js';
import { requestSmuggling } from './request-smuggling.js';
import { insufficientAuthorization } from './insufficient-authorization.js';
import { specificVulnerability } from './specific-vulnerability.js';
import { fileManagement } from './file-management.js';
// extension items (not NCP's): run only when asked for by name or with EXTENDED
import { securityHeaders } from './security-headers.js';
import { cookieSecurity } from './cookie-security.js';
import { cors } from './cors.js';
import { crlfInjection } from './crlf-injection.js';
import { ssti } from './ssti.js';
import { ldapInjection } from './ldap-injection.js';
import { xpathInjection } from './xpath-injection.js';
import { httpMethods } from './http-methods.js';
import { csrf } from './csrf.js';
import { nucleiTemplates } from './nuclei-templates.js';

export const allChecks: readonly Check[] = Object.freeze([directoryListing, informationDisclosure, sourceCodeDisclosure, mixedContent, personalInformation, fileUpload, fileDownload, urlRedirection, lfi, rfi, ssrf, xxe, ssiInjection, sqlInjection, xss, domXss, commandInjection, insecureTls, requestSmuggling, insufficientAuthorization, specificVulnerability, nucleiTemplates, fileManagement,
  securityHeaders, cookieSecurity, cors, crlfInjection, ssti, ldapInjection, xpathInjection, httpMethods, csrf]);

/** The checks that serve the given items, in registry order. */
export function checksFor(items: readonly ScanItem[]): Check[] {
  const wanted = new Set<ScanItem>(items);
  return allChecks.filter((c) => wanted.has(c.meta.item));
}

export function checkById(id: string): Check | undefined {
  return allChecks.find((c) => c.meta.id === id);
}
