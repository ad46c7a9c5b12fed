import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, type SseEvent } from '../../src/sdk/sse.js';

async function read(chunks: string[]): Promise<SseEvent[]> {
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield new TextEncoder().encode(c);
  }
  const out: SseEvent[] = [];
  for await (const e of readSse(gen())) out.push(e);
  return out;
}

test('SSE reader: events split anywhere, CRLF/CR/LF, comments, retry, multi-line data, ids carried over', async () => {
  const text = '\uFEFFretry: 1000\r\n\r\n: ping\r\n\r\nid: 3\r\nevent: finding\r\ndata: {"a":1}\r\n\r\nevent: status\rdata: line1\rdata: line2\r\rdata:no-space\n\nevent: end\ndata: {}\n\n';
  for (const size of [1, 2, 3, 7, text.length]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    assert.deepEqual(await read(chunks), [
      { event: 'finding', data: '{"a":1}', id: '3' },
      { event: 'status', data: 'line1\nline2', id: '3' },
      { event: 'message', data: 'no-space', id: '3' },
      { event: 'end', data: '{}', id: '3' },
    ], `chunks of ${size}`);
  }
  assert.deepEqual(await read(['data: unterminated']), []);
});
