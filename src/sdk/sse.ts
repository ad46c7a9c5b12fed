// A Server-Sent Events reader (the WHATWG event-stream format) over any byte stream, for the
// job events route. Lines end with LF, CR or CRLF; `data:` lines of one event are joined by LF.

export interface SseEvent {
  /** "message" when the stream named none. */
  event: string;
  data: string;
  /** The last `id:` seen, as the spec carries it over to later events. */
  id: string | null;
}

/** Yields each dispatched event; comments, `retry:` and empty events are consumed silently. */
export async function* readSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let first = true;
  const line = function* (l: string): Generator<SseEvent> {
    if (l === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) id = value;
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && buffer.length > 0) {
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
      first = false;
    }
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // a lone CR at the end may be the first half of CRLF: wait for the next chunk
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) break;
      const l = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      yield* line(l);
    }
  }
}
