// A small real HTTP site on 127.0.0.1:0 for API and runner tests. Routes map a path to a handler;
// "/hang" style routes can simply never answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Site {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

export async function startSite(routes: Record<string, Handler | string>): Promise<Site> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const r = routes[path];
    if (r === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof r === 'string') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(r);
    } else {
      r(req, res);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A handler that never answers (the socket stays open until the site closes). */
export const hang: Handler = () => {
  // deliberately silent: the test needs a target that holds requests
};
