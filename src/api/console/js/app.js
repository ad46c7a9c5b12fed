// The console's shell: header with navigation and the signed-in account, and the page of the route.
import { clearKey, getKey, whoami } from './api.js';
import { html, render, useCallback, useEffect, useState } from './lib.js';
import { useRoute } from './router.js';
import { SignIn } from './pages/signin.js';
import { Jobs } from './pages/jobs.js';
import { JobNew } from './pages/job-new.js';
import { JobDetail } from './pages/job.js';
import { Report } from './pages/report.js';
import { Assets } from './pages/assets.js';
import { Keys } from './pages/keys.js';
import { Schedules } from './pages/schedules.js';
import { Notifications } from './pages/notifications.js';

const NAV = [
  ['/jobs', 'Jobs'],
  ['/jobs/new', 'New job'],
  ['/assets', 'Assets'],
  ['/schedules', 'Schedules'],
  ['/notifications', 'Notifications'],
  ['/keys', 'Keys', (who) => who?.admin],
];

function pageOf(route, who, onSignedIn) {
  const [a, b, c] = route.parts;
  if (a === 'signin' || !getKey()) return html`<${SignIn} onSignedIn=${onSignedIn} query=${route.query} />`;
  if (a === 'jobs' && b === 'new') return html`<${JobNew} query=${route.query} />`;
  if (a === 'jobs' && b && c === 'report') return html`<${Report} id=${b} query=${route.query} />`;
  if (a === 'jobs' && b) return html`<${JobDetail} id=${b} />`;
  if (a === 'assets') return html`<${Assets} />`;
  if (a === 'keys') return html`<${Keys} who=${who} />`;
  if (a === 'schedules') return html`<${Schedules} id=${b} />`;
  if (a === 'notifications') return html`<${Notifications} id=${b} who=${who} />`;
  return html`<${Jobs} query=${route.query} />`;
}

function App() {
  const route = useRoute();
  const [who, setWho] = useState(null);
  const [whoError, setWhoError] = useState(null);
  const signedIn = getKey() !== null;

  const loadWho = useCallback(() => {
    const key = getKey();
    if (!key) return;
    whoami(key).then(setWho, (e) => setWhoError(e));
  }, []);
  useEffect(loadWho, [loadWho]);

  // focus follows navigation: the new page's heading, so a screen reader announces it
  useEffect(() => {
    const t = setTimeout(() => {
      const h = document.getElementById('page-title');
      if (h) {
        h.focus();
        document.title = `${h.textContent} · wsc console`;
      }
    }, 0);
    return () => clearTimeout(t);
  }, [route.path, signedIn]);

  const signOut = () => {
    clearKey();
    setWho(null);
    location.hash = '#/signin';
  };
  const onSignedIn = (w) => {
    setWho(w);
    setWhoError(null);
    location.hash = '#/jobs';
  };
  const current = (p) => route.path === p || (p === '/jobs' && /^\/jobs\/(?!new)/.test(route.path));

  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">wsc console</span>
      ${signedIn
        ? html`<nav aria-label="Main">
            <ul>${NAV.filter(([, , show]) => !show || show(who)).map(([p, text]) => html`<li><a href=${`#${p}`} aria-current=${current(p) ? 'page' : undefined}>${text}</a></li>`)}</ul>
          </nav>
          <div class="who">
            <span id="who">${who ? `${who.account}${who.admin ? ' (admin)' : ''}` : whoError ? 'key not accepted' : ''}</span>
            <button type="button" class="secondary small" onClick=${signOut}>Sign out</button>
          </div>`
        : null}
    </header>
    <main id="main">${pageOf(route, who, onSignedIn)}</main>`;
}

render(html`<${App} />`, document.getElementById('app'));
