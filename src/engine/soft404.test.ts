import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { ScanSession } from './session.js';
import { fingerprintSoft404 } from './soft404.js';
import { DEFAULT_LIMITS } from './types.js';

function mk(url: string) {
  return new ScanSession({ startUrl: url + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: { ...DEFAULT_LIMITS }, signal: new AbortController().signal });
}

test('the testbed custom 404 page (status 200) is recognised; real pages are not', async () => {
  const tb = await startTestbed();
  const s = mk(tb.url);
  try {
    const soft = await fingerprintSoft404(s, tb.url + '/');
    assert.equal(s.requestCount(), 3);
    for (const path of ['/backup.zip', '/admin/config.php.bak', '/.git/HEAD', '/WEB-INF/web.xml']) {
      const r = await s.send({ method: 'GET', url: tb.url + path });
      assert.equal(r.response.status, 200);
      assert.ok(soft.isNotFound(r.request.url, r.response), path);
    }
    for (const path of ['/about', '/', '/search', '/contact', '/api/items']) {
      const r = await s.send({ method: 'GET', url: tb.url + path });
      assert.ok(!soft.isNotFound(r.request.url, r.response), path);
    }
  } finally {
    await s.close();
    await tb.close();
  }
});

test('real 404s, and redirects to one place for every missing path', async () => {
  const tb = await startTestbed({
    routes: [
      { path: '/', handler: (_req, res) => res.html('<p>home</p>') },
      { path: '/exists', handler: (_req, res) => res.html('<p>here</p>') },
      { path: '/moved', handler: (_req, res) => res.redirect('/new-home') },
      { path: /^\/.*$/, handler: (req, res) => (req.path.startsWith('/r') ? res.redirect('/error?code=404') : res.text('nope', 404)) },
    ],
  });
  const s = mk(tb.url);
  try {
    const soft = await fingerprintSoft404(s, tb.url + '/');
    const missing = await s.send({ method: 'GET', url: tb.url + '/nothing' });
    assert.ok(soft.isNotFound(missing.request.url, missing.response));
    const exists = await s.send({ method: 'GET', url: tb.url + '/exists' });
    assert.ok(!soft.isNotFound(exists.request.url, exists.response));
    const moved = await s.send({ method: 'GET', url: tb.url + '/moved' });
    assert.ok(!soft.isNotFound(moved.request.url, moved.response));
  } finally {
    await s.close();
    await tb.close();
  }
});

test('a site that redirects every unknown path to one error page', async () => {
  const tb = await startTestbed({
    routes: [
      { path: '/', handler: (_req, res) => res.html('<p>home</p>') },
      { path: '/real', handler: (_req, res) => res.redirect('/elsewhere') },
      { path: /^\/.*$/, handler: (_req, res) => res.redirect('/error.html') },
    ],
  });
  const s = mk(tb.url);
  try {
    const soft = await fingerprintSoft404(s, tb.url + '/');
    const missing = await s.send({ method: 'GET', url: tb.url + '/backup.tar.gz' });
    assert.ok(soft.isNotFound(missing.request.url, missing.response));
    const real = await s.send({ method: 'GET', url: tb.url + '/real' });
    assert.ok(!soft.isNotFound(real.request.url, real.response));
  } finally {
    await s.close();
    await tb.close();
  }
});
