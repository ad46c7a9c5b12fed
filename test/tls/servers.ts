// A loopback site that speaks HTTPS and plain HTTP on ONE port (the first byte tells a TLS
// ClientHello from an HTTP request), so the check's "http twin" of https://127.0.0.1:PORT is
// http://127.0.0.1:PORT.
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

export interface DualServer {
  port: number;
  httpsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

export async function startDualServer(tls: ServerOptions, onHttps: RequestListener, onHttp: RequestListener): Promise<DualServer> {
  const https = createHttpsServer(tls, onHttps);
  const http = createHttpServer(onHttp);
  const sockets = new Set<Socket>();
  // a handshake the server refuses (a probe offering what it does not accept) is expected here
  https.on('tlsClientError', (err) => void err);
  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => void err);
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x16) {
        // TLS reads the socket's handle directly, past any unshifted bytes: relay to its own port
        const inner = netConnect(httpsPort, '127.0.0.1');
        sockets.add(inner);
        inner.on('close', () => sockets.delete(inner));
        inner.on('error', () => socket.destroy());
        inner.write(first);
        socket.pipe(inner).pipe(socket);
        return;
      }
      socket.pause();
      socket.unshift(first);
      http.emit('connection', socket);
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const httpsPort = (https.address() as AddressInfo).port;
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  const port = (net.address() as AddressInfo).port;
  return {
    port,
    httpsUrl: `https://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => net.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
      http.close();
    },
  };
}

export const PAGE = '<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome to the shop</h1><a href="/about">About us</a></body></html>';
export const ABOUT = '<!doctype html><html><head><title>About</title></head><body><h1>About the shop</h1><a href="/">Home</a></body></html>';
