// Hash routing: "#/jobs/1000000001/report?severity=high" -> { parts: ['jobs', '1000000001', 'report'], query }.
import { useEffect, useState } from './lib.js';

export function parseHash(hash) {
  const raw = hash.replace(/^#/, '') || '/jobs';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  return { path, parts: path.split('/').filter(Boolean).map(decodeURIComponent), query };
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** A hash link with query parameters (empty values left out). */
export function href(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function navigate(path, query) {
  location.hash = href(path, query);
}
