// Personal Information Exposure pages: /pii/ links to an admin member list that prints resident and
// foreigner registration numbers, mobile numbers and e-mail addresses in full, and to an order list
// with full card numbers. /pii-safe/ shows the same data masked, plus look-alikes that fail the
// date, checksum, Luhn or issuer rules, and a single contact number.
import type { Route, TestbedResponse } from '../server.js';

const PIE = 'Personal Information Exposure' as const;

interface Member {
  name: string;
  rrn: string;
  mobile: string;
  email: string;
}

// Checksum- and date-valid numbers (two residents, one foreigner), generated for the testbed only.
const MEMBERS: Member[] = [
  { name: 'Kim Minsu', rrn: '900101-1234568', mobile: '010-1234-5678', email: 'minsu.kim@mail.kr' },
  { name: 'Lee Jiyoung', rrn: '851231-2123455', mobile: '010-9876-5432', email: 'jy.lee@corp.co.kr' },
  { name: 'John Smith', rrn: '991120-5123459', mobile: '010.2222.3333', email: 'jsmith@intl.net' },
  { name: 'Park Sora', rrn: '', mobile: '01044445555', email: 'sora@shop.kr' },
  { name: 'Choi Dan', rrn: '', mobile: '', email: 'dan.choi@post.co.kr' },
  { name: 'Jung Ha', rrn: '', mobile: '', email: 'ha.jung@mail.kr' },
];

const CARDS = ['4532 0151 1283 0366', '5525-0000-0000-1235', '371234567890120', '3528000012345671'];

function page(res: TestbedResponse, title: string, body: string): void {
  res.html(`<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/pii/',
    index: true,
    title: 'Personal information',
    handler: (_req, res) => page(res, 'Back office', '<a href="/pii/members">Members</a> <a href="/pii/orders?month=3">Orders</a>'),
  },
  {
    method: 'GET',
    path: '/pii/members',
    vulnerable: [{ item: PIE }],
    handler: (_req, res) =>
      page(
        res,
        'Members',
        `<table><tr><th>Name</th><th>Registration no.</th><th>Mobile</th><th>E-mail</th></tr>
${MEMBERS.map((m) => `<tr><td>${m.name}</td><td>${m.rrn}</td><td>${m.mobile}</td><td>${m.email}</td></tr>`).join('\n')}</table>`,
      ),
  },
  {
    method: 'GET',
    path: '/pii/orders',
    vulnerable: [{ item: PIE }],
    handler: (_req, res) => page(res, 'Orders', `<ul>${CARDS.map((c, i) => `<li>Order 2024030${i + 1}-00${i}: paid with card ${c}</li>`).join('')}</ul>`),
  },

  {
    method: 'GET',
    path: '/pii-safe/',
    index: true,
    title: 'Personal information (safe)',
    handler: (_req, res) => page(res, 'My page', '<a href="/pii-safe/members">Members</a> <a href="/pii-safe/orders?month=3">Orders</a>'),
  },
  {
    method: 'GET',
    path: '/pii-safe/members',
    safeFor: [PIE],
    handler: (_req, res) =>
      page(
        res,
        'Members',
        `<table><tr><td>Kim Minsu</td><td>900101-1******</td><td>010-****-5678</td><td>m****@mail.kr</td></tr>
<tr><td>Lee Jiyoung</td><td>******-*******</td><td>010-9876-****</td><td>j***@corp.co.kr</td></tr></table>
<p>Sample formats: 900101-1234569 (bad checksum), 020229-3123459 (no 29 February in 2002), 991120-5123450.</p>
<p>Write to alice@example.com, bob@example.com, carol@example.org, dave@example.net or erin@test. Logo: logo@2x.png</p>
<p>Customer centre: 010-1234-5678, reception@shop.kr, sales@shop.kr.</p>`,
      ),
  },
  {
    method: 'GET',
    path: '/pii-safe/orders',
    safeFor: [PIE],
    handler: (_req, res) =>
      page(
        res,
        'Orders',
        `<ul><li>Paid with card ****-****-****-0366</li><li>Card 4532-01**-****-0366</li>
<li>Tracking 1234567890123456</li><li>Invoice 4532015112830367</li><li>Order 20240301-1234567</li>
<li>Reference 4532-0151 1283-0366</li><li>Session 0000000000000000</li></ul>`,
      ),
  },
];
