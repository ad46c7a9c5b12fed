import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from './scope.js';

test('same origin only: scheme, host and port', () => {
  const s = new Scope('https://app.example.com/start', [], { sessionHeaders: false });
  assert.ok(s.inScope('https://app.example.com/other?x=1'));
  assert.ok(s.inScope('https://APP.example.com:443/x'));
  assert.equal(s.reason('http://app.example.com/'), 'other origin http://app.example.com');
  assert.ok(!s.inScope('https://app.example.com:8443/'));
  assert.ok(!s.inScope('https://evil.example.com/'));
  assert.ok(!s.inScope('javascript:alert(1)'));
  assert.ok(!s.inScope('not a url'));
});

test('ExcludeUrl: prefixes, wildcards, bare paths', () => {
  const s = new Scope('https://www.ncloud.com', ['https://www.ncloud.com/event', 'https://www.ncloud.com/robot.txt', 'https://www.ncloud.com/*/admin', '/private/*.bak', ' '], {
    sessionHeaders: false,
  });
  assert.ok(!s.inScope('https://www.ncloud.com/event'));
  assert.ok(!s.inScope('https://www.ncloud.com/events/2024'), 'prefix match');
  assert.ok(!s.inScope('https://www.ncloud.com/robot.txt'));
  assert.ok(!s.inScope('https://www.ncloud.com/a/b/admin/users'));
  assert.ok(!s.inScope('https://www.ncloud.com/private/db.bak'));
  assert.ok(s.inScope('https://www.ncloud.com/private/db.sql'));
  assert.ok(s.inScope('https://www.ncloud.com/product'));
  assert.equal(s.reason('https://www.ncloud.com/event/x'), 'excluded by ExcludeUrl');
});

test('destructive links are not followed with session headers, unless listed', () => {
  const plain = new Scope('http://127.0.0.1:8080/', [], { sessionHeaders: false });
  const authed = new Scope('http://127.0.0.1:8080/', [], { sessionHeaders: true, includeUrls: ['http://127.0.0.1:8080/user/delete-draft'] });
  for (const u of ['/logout', '/user/signOut.do', '/account?action=delete', '/api/remove/7', '/auth/log_off', '/settings/close-account']) {
    assert.ok(plain.allowFollow('http://127.0.0.1:8080' + u), u);
    assert.ok(!authed.allowFollow('http://127.0.0.1:8080' + u), u);
  }
  for (const u of ['/catalog', '/blogout', '/products/removable-media', '/dialog']) {
    assert.ok(authed.allowFollow('http://127.0.0.1:8080' + u), u);
  }
  assert.ok(!authed.allowFollow('http://127.0.0.1:8080/misc?a=1', 'Sign out'));
  assert.ok(authed.allowFollow('http://127.0.0.1:8080/misc?a=1', 'Signature'));
  assert.ok(authed.allowFollow('http://127.0.0.1:8080/user/delete-draft?id=1'), 'explicitly listed');
});
