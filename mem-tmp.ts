import { crawl } from '/work/main/src/engine/crawler.js';
import { ScanSession } from '/work/main/src/engine/session.js';
import { DEFAULT_LIMITS } from '/work/main/src/engine/types.js';
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
const pages = 50000;
const child = fork('/work/main/bench/crawl.ts', ['--serve', String(pages)], { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((r) => child.once('message', (m) => r((m as {port:number}).port)));
const url = `http://127.0.0.1:${port}`;
const ins = new Session(); ins.connect();
await ins.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false } as never);
const ac = new AbortController();
const limits = { ...DEFAULT_LIMITS, maxUrls: pages + 100, maxDepth: 100000, maxRequests: pages * 3 };
const s = new ScanSession({ startUrl: url + '/', excludeUrls: [], headers: {}, userAgent: 'x', speed: '3', limits, signal: ac.signal });
const r = await crawl(s, { startUrl: url + '/', limits, signal: ac.signal });
const { profile } = (await ins.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
const agg = new Map<string, number>();
const walk = (n: Node, stack: string[]) => {
  const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  const st = [...stack, name];
  if (n.selfSize > 0) { const key = st.slice(-4).join(' < '); agg.set(key, (agg.get(key) ?? 0) + n.selfSize); }
  for (const c of n.children) walk(c, st);
};
walk(profile.head, []);
const tot = [...agg.values()].reduce((a, b) => a + b, 0);
console.log('total sampled MB', (tot / 1048576).toFixed(0), r.pages.length);
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / 1048576).toFixed(1), k);
await s.close(); child.kill();
