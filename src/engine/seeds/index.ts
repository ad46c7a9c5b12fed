// Seeds beyond the StartUrl (createJob `Seeds`, `wsc scan --openapi/--har/--urls`): API
// descriptions, recorded browser sessions and URL lists become attack targets the crawl starts from
// too. Scope applies to each (the crawler's consider()), so a document naming other hosts adds
// nothing outside the job's origin.
import type { CrawledRequest, HttpExchange, HttpRequestSpec } from '../../core/model.js';
import { harRequests, urlListRequests } from './har.js';
import { openApiRequests, parseDocument, SeedError } from './openapi.js';

export { SeedError } from './openapi.js';

export interface Seeds {
  /** OpenAPI 3.x / Swagger 2.0 documents: their text (JSON or YAML), or an http(s) URL the scan fetches. */
  openapi?: string[];
  /** HAR files' text. */
  har?: string[];
  /** URLs, absolute or relative to the StartUrl. */
  urls?: string[];
}

/** Every seed as a target, documents given by URL fetched with `fetch` (the scan's session). */
export async function loadSeeds(seeds: Seeds, startUrl: string, fetch: (spec: HttpRequestSpec) => Promise<HttpExchange>): Promise<CrawledRequest[]> {
  const out: CrawledRequest[] = [];
  for (const [i, doc] of (seeds.openapi ?? []).entries()) {
    let text = doc;
    let docUrl = startUrl;
    if (/^https?:\/\/\S+$/i.test(doc.trim())) {
      docUrl = doc.trim();
      let ex: HttpExchange;
      try {
        ex = await fetch({ method: 'GET', url: docUrl, headers: { Accept: 'application/json, application/yaml, text/yaml, */*' } });
      } catch (err) {
        // a stop or the spent budget is the scan's business; anything else is this document's
        if (err instanceof Error && (err.name === 'AbortError' || err.name === 'BudgetError')) throw err;
        throw new SeedError(`the API description at ${docUrl} could not be fetched: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (ex.response.status !== 200) throw new SeedError(`the API description at ${docUrl} answered ${ex.response.status}`);
      text = ex.response.body;
    }
    out.push(...openApiRequests(parseDocument(text, `API description ${i + 1}`), docUrl, startUrl));
  }
  for (const [i, har] of (seeds.har ?? []).entries()) out.push(...harRequests(parseDocument(har, `HAR file ${i + 1}`)));
  if (seeds.urls && seeds.urls.length > 0) out.push(...urlListRequests(seeds.urls.join('\n'), startUrl));
  return out;
}
