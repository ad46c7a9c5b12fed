// Where the API server listens, so that no job or ownership check is pointed back at it.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../jobs/ownership.js';

export function listeningOf(app: FastifyInstance): ListenAddress[] {
  const a = app.server.address();
  if (a === null || typeof a !== 'object') return [];
  const { address, port } = a as AddressInfo;
  return [{ address, port }];
}
