import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { isVulnItem } from '../core/items.js';
import { meta, personalInformation } from './personal-information.js';
import { cardNumber, findPii, maskPii, registrationNumber } from './definitions/personal-information.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

const FULL_VALUES = ['900101-1234568', '851231-2123455', '991120-5123459', '1234-5678', '9876-5432', '4532 0151 1283 0366', '5525-0000-0000-1235', '371234567890120', '3528000012345671', 'minsu.kim@'];

test('metadata and validators', () => {
  assert.equal(meta.id, 'personal-information');
  assert.equal(meta.item, 'Personal Information Exposure');
  assert.ok(isVulnItem(meta.item));
  assert.ok(meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(personalInformation.meta, meta);
  assert.ok(registrationNumber('900101-1234568', false));
  assert.ok(!registrationNumber('900101-1234569', false), 'checksum');
  assert.ok(!registrationNumber('020229-3123459', false), 'date');
  assert.ok(registrationNumber('991120-5123459', true));
  assert.ok(!registrationNumber('991120-5123459', false), 'a foreigner number is not a resident one');
  assert.equal(cardNumber('4532-0151-1283-0366'), '4532015112830366');
  assert.equal(cardNumber('4532015112830367'), null, 'Luhn');
  assert.equal(cardNumber('1234567890123452'), null, 'no issuer starts with 1');
  assert.equal(cardNumber('2223000012345671'), '2223000012345671', 'Mastercard 2-series');
  assert.equal(cardNumber('6221260000000000'), '6221260000000000');
  assert.deepEqual(findPii('call 010-1234-5678'), [], 'one mobile number is a contact, not a list');
  assert.equal(maskPii('id 900101-1234568, card 4532-0151-1283-0366, 010-1234-5678'), 'id 900101-1******, card ****-****-****-0366, 010-****-5678');
});

test('finds registration, foreigner, card and mobile numbers and bulk e-mail, reporting masked samples only', async () => {
  const run = await runCheckOn(personalInformation, `${tb.url}/pii/`);
  const got = run.findings.map((f) => `${new URL(f.url).pathname} ${f.parameter} ${f.extra?.count}`).sort();
  assert.deepEqual(got, [
    '/pii/members e-mail address 6',
    '/pii/members foreigner registration number 1',
    '/pii/members mobile phone number 4',
    '/pii/members resident registration number 2',
    '/pii/orders credit card number 4',
  ]);
  const by = new Map(run.findings.map((f) => [f.parameter, f]));
  assert.match(by.get('resident registration number')!.evidence.proof, /^900101-1\*{6}\n2 distinct valid resident registration numbers in the page; masked samples: 900101-1\*{6}, 851231-2\*{6}$/);
  assert.equal(by.get('resident registration number')!.severity, 'high');
  assert.match(by.get('credit card number')!.evidence.proof, /\*{4} \*{4} \*{4} 0366, \*{4}-\*{4}-\*{4}-1235, \*{11}0120/);
  assert.match(by.get('mobile phone number')!.evidence.proof, /010-\*{4}-5678, 010-\*{4}-5432, 010\.\*{4}\.3333, 010\*{4}5555/);
  assert.equal(by.get('e-mail address')!.severity, 'low');
  assert.match(by.get('e-mail address')!.evidence.response, /m\*\*\*@mail\.kr/);
  for (const f of run.findings) {
    const text = JSON.stringify(f);
    for (const v of FULL_VALUES) assert.ok(!text.includes(v), `${f.parameter}: full value ${v} leaked into the finding`);
    assert.match(f.evidence.response, /^HTTP\/1\.1 200/);
  }
  assert.equal(run.sent.length, 0, 'passive: the crawl already fetched the pages');
});

test('safe twin: masked values, invalid look-alikes, documentation addresses and one contact number yield nothing', async () => {
  const run = await runCheckOn(personalInformation, `${tb.url}/pii-safe/`);
  assert.ok(run.pages.some((p) => p.request.url.endsWith('/pii-safe/members')), 'the page was crawled');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget (it sends nothing)', async () => {
  const run = await runCheckOn(personalInformation, `${tb.url}/pii/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets);
});

test('published test card numbers (Visa 4111..., Discover 6011...1117, Mastercard 5555...4444) are nobody\'s card', async () => {
  const { cardNumber } = await import('./definitions/personal-information.js');
  for (const n of ['4111 1111 1111 1111', '6011111111111117', '5555-5555-5555-4444', '378282246310005']) assert.equal(cardNumber(n), null, n);
});
