// buildApp(): the Fastify application. One plugin per resource; signature auth on every API call;
// every error leaves through one handler as NCP's envelope, never as a stack trace.
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import type { Sealer } from '../core/crypto.js';
import type { Logger } from '../core/log.js';
import type { Clock } from '../core/time.js';
import type { Resolver } from '../jobs/ownership.js';
import type { Notifier } from '../jobs/notify.js';
import type { Store } from '../jobs/store.js';
import type { TxtResolver } from '../jobs/verify-asset.js';
import { Authenticator, type Principal } from './auth.js';
import { ApiError, badRequestException, entityTooLarge, notFoundException, unexpectedError } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { assetRoutes } from './routes/assets.js';
import { consoleRoutes } from './routes/console.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { notificationRoutes } from './routes/notifications.js';
import { openapiRoutes } from './routes/openapi.js';
import { reportRoutes } from './routes/report.js';
import { scheduleRoutes } from './routes/schedules.js';

/** What the API needs from the job runner. */
export interface JobControl {
  /** A job was created (its id given) or freed a slot: look for work. */
  kick(jobId?: number): void;
  /** A job moved to 92: abort its engine now. */
  abort(jobId: number): void;
}

export interface AppDeps {
  store: Store;
  sealer: Sealer;
  config: Config;
  clock: Clock;
  runner: JobControl;
  logger?: Logger;
  resolver?: Resolver;
  /** Sends the test-send of notification channels; absent, the test route answers not ready. */
  notifier?: Notifier;
  /** TXT lookups for DNS ownership proofs; the system resolver by default. */
  txtResolver?: TxtResolver;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export const API_PREFIX = '/api/v1';

export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Fastify's two info lines per request would drown a busy server; one debug line is kept below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimit,
    // The gateway signs the exact URI, so routing must not rewrite it.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    return503OnClosing: true,
    connectionTimeout: 60_000,
    requestTimeout: 60_000,
    // The router refuses some URLs (bad percent-encoding, an over-long parameter) before any hook or
    // the error handler runs; without this they leave in Fastify's own format, not NCP's envelope.
    frameworkErrors: (err, _req, rawReply) => {
      const e = badRequestException(err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The request URL is malformed.');
      // the option's reply type is the default route generic, which rejects a status and body typed here
      const reply = rawReply as unknown as FastifyReply;
      void reply.code(e.httpStatus).header('content-type', 'application/json; charset=utf-8').send(e.toBody());
    },
  });

  // Validation is done by the zod schemas in schemas.ts so that errors name NCP's fields.
  app.setValidatorCompiler(() => (data) => ({ value: data }));

  // Clients of the gateway send JSON with whatever Content-Type their tool picked (curl -d sends
  // form-urlencoded): every body is parsed as JSON, with prototype-poisoning protection.
  // NCP's stop/cancel samples send Content-Type: application/json with no body: that is no body.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, typeof body === 'string' ? body : body.toString('utf8'), done);
  });

  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, path: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    const apiErr = toApiError(err, deps.config.bodyLimit);
    if (apiErr.httpStatus >= 500) req.log.error({ err }, 'unexpected error');
    else req.log.debug({ code: apiErr.errorCode, msg: apiErr.message }, 'request refused');
    void reply.code(apiErr.httpStatus).header('content-type', 'application/json; charset=utf-8').send(apiErr.toBody());
  });
  app.setNotFoundHandler((_req, reply) => {
    const e = notFoundException();
    void reply.code(e.httpStatus).send(e.toBody());
  });

  const auth = new Authenticator({
    store: deps.store,
    sealer: deps.sealer,
    clock: deps.clock,
    clockSkewMs: deps.config.clockSkewMs,
    ratePerSecond: deps.config.rateLimitPerKey,
    burst: deps.config.rateLimitBurst,
    ratePerAddress: deps.config.rateLimitPerAddress,
    burstPerAddress: deps.config.rateLimitAddressBurst,
    replayGuard: deps.config.replayGuard,
  });

  await app.register(openapiRoutes, { prefix: API_PREFIX });
  await app.register(consoleRoutes);
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req: FastifyRequest) => {
        req.principal = await auth.authenticate(req);
      });
      await api.register(jobRoutes, deps);
      await api.register(assetRoutes, deps);
      await api.register(reportRoutes, deps);
      await api.register(eventRoutes, deps);
      // a revocation answered here is in force at once in this process, not after the key cache's second
      await api.register(adminRoutes, { ...deps, onKeyRevoked: (accessKey: string) => auth.invalidate(accessKey) });
      await api.register(scheduleRoutes, deps);
      await api.register(notificationRoutes, deps);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

function toApiError(err: FastifyError | ApiError, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return entityTooLarge(bodyLimit);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequestException('The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequestException('Content-Length does not match the body.');
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return badRequestException(`Malformed JSON body: ${err.message}`);
  }
  if (err.message?.includes('prototype')) return badRequestException('The JSON body has a forbidden property (__proto__ or constructor).');
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status === 413) return entityTooLarge(bodyLimit);
  if (status >= 400 && status < 500) return badRequestException(err.message);
  return unexpectedError();
}
