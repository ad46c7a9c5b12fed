// Serves pages on a loopback site and crawls them with the real crawler (inline page reading), for
// tests that check what the crawl hands to the attacks.
import type { EngineHooks } from '../../src/engine/types.js';
import { USER_AGENTS } from '../../src/core/items.js';
import { inlineExtractor } from '../../src/engine/crawl/extractor.js';
import { crawl, type CrawlResult } from '../../src/engine/crawler.js';
import { ScanSession } from '../../src/engine/session.js';
import { DEFAULT_LIMITS } from '../../src/engine/types.js';
import { startSite, type Handler, type Site } from './site.js';

export async function crawlSite(routes: Record<string, string | Handler>, log?: EngineHooks['log']): Promise<{ site: Site; result: CrawlResult }> {
  const site = await startSite(routes);
  const ac = new AbortController();
  const limits = { ...DEFAULT_LIMITS, requestTimeoutMs: 3000 };
  const session = new ScanSession({
    startUrl: site.url + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: ac.signal,
    ...(log ? { log } : {}),
  });
  try {
    return { site, result: await crawl(session, { startUrl: site.url + '/', limits, signal: ac.signal, extractor: inlineExtractor }) };
  } catch (err) {
    await site.close();
    throw err;
  } finally {
    await session.close();
  }
}
