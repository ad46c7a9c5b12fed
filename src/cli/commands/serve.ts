// `wsc serve`: runs the API server, runner and console until SIGINT/SIGTERM. startServer()
// prints its own banner and, on first start, writes <data>/credentials for the client commands.
import { InvalidArgumentError, type Command } from 'commander';
import { addDataOption, dataDirOf, type CliIo } from '../context.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

export function registerServeCommand(program: Command, io: CliIo): void {
  addDataOption(
    program
      .command('serve')
      .description('run the scanner service: API, job runner and console')
      .option('--host <host>', 'address to listen on (env WSC_HOST, default 127.0.0.1)')
      .option('--port <port>', 'port to listen on, 0 for any free port (env WSC_PORT, default 8080)', parsePort)
      .option('--no-runner', 'API and console only: jobs are queued for `wsc worker` processes (PostgreSQL only)'),
  ).action(async (opts: { host?: string; port?: number; runner?: boolean }, cmd: Command) => {
    // loaded on demand: the server pulls in Fastify, the engine and the database drivers
    const { startServer } = await import('../../server.js');
    const server = await startServer({
      dataDir: dataDirOf(cmd, io),
      env: io.env,
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.runner === false ? { runner: false } : {}),
    });
    if (!io.signal.aborted) {
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    io.stderr.write('wsc: shutting down\n');
    await server.close();
  });
}
