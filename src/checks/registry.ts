// Every check the engine knows, in one explicit list. An item without a check simply has none here.
import type { VulnItem } from '../core/items.js';
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
import { commandInjection } from './command-injection.js';
import { insecureTls } from './insecure-tls.js';
import { requestSmuggling } from './request-smuggling.js';
import { insufficientAuthorization } from './insufficient-authorization.js';
import { specificVulnerability } from './specific-vulnerability.js';
import { fileManagement } from './file-management.js';
import { nucleiTemplates } from './nuclei-templates.js';

export const allChecks: readonly Check[] = Object.freeze([directoryListing, informationDisclosure, sourceCodeDisclosure, mixedContent, personalInformation, fileUpload, fileDownload, urlRedirection, lfi, rfi, ssrf, xxe, ssiInjection, sqlInjection, xss, commandInjection, insecureTls, requestSmuggling, insufficientAuthorization, specificVulnerability, nucleiTemplates, fileManagement]);

/** The checks that serve the given items, in registry order. */
export function checksFor(items: readonly VulnItem[]): Check[] {
  const wanted = new Set<VulnItem>(items);
  return allChecks.filter((c) => wanted.has(c.meta.item));
}

export function checkById(id: string): Check | undefined {
  return allChecks.find((c) => c.meta.id === id);
}
