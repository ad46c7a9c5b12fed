// OpenAPI 3 document generated from the zod schemas that validate requests.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  assetCheckSchema, assetUrlSchema, channelInSchema, channelPatchSchema, createJobSchema, envelopeSchema, errorSchema, jobListSchema, keyCreateSchema, scheduleInSchema, schedulePatchSchema, searchJobsSchema, smtpSettingsSchema } from '../schemas.js';

function json(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const signed = [{ accessKey: [], timestamp: [], signature: [] }];

function op(summary: string, operationId: string, body: z.ZodType | null, resources: z.ZodType, extra: Record<string, unknown> = {}) {
  return {
    summary,
    operationId,
    security: signed,
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: json(body) } } } } : {}),
    responses: {
      '200': { description: 'Request Success', content: { 'application/json': { schema: json(envelopeSchema(resources)) } } },
      '400': { description: 'Service error (160433, 160451, 901)', content: { 'application/json': { schema: json(errorSchema) } } },
      '401': { description: 'Authentication Failed (200) or Permission Denied (210)', content: { 'application/json': { schema: json(errorSchema) } } },
      '413': { description: 'Request Entity Too Large (430)' },
      '429': { description: 'Rate Limited (420)' },
    },
    ...extra,
  };
}

const anyResources = z.record(z.string(), z.unknown());
const numId = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }];
const keyParam = [{ name: 'accessKey', in: 'path', required: true, schema: { type: 'string' } }];
const ext = (summary: string) => `${summary} (wsc extension; README "Schedules and notifications")`;

const idParam = [{ name: 'instanceId', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }];

export function openapiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'wsc: Web Security Checker API',
      version: '1',
      description:
        "NAVER Cloud Platform Web Security Checker compatible API. Every call is signed with NCP API Gateway signature v2: x-ncp-apigw-signature-v2 = base64(HMAC-SHA256(secretKey, METHOD + ' ' + URI + '\\n' + timestamp + '\\n' + accessKey)).",
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        accessKey: { type: 'apiKey', in: 'header', name: 'x-ncp-iam-access-key' },
        timestamp: { type: 'apiKey', in: 'header', name: 'x-ncp-apigw-timestamp' },
        signature: { type: 'apiKey', in: 'header', name: 'x-ncp-apigw-signature-v2' },
      },
    },
    paths: {
      '/api/v1/job': {
        put: op('createJob: new diagnosis or re-diagnosis (MasterInstanceNo)', 'createJob', createJobSchema, z.null(), {
          description: 'resources is null; the new instanceNo is also sent in the x-wsc-instance-no response header (wsc extension).',
        }),
      },
      '/api/v1/jobs': {
        get: op('getJobs', 'getJobs', null, jobListSchema, {
          parameters: [
            { name: 'limit', in: 'query', required: true, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { name: 'page', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
            {
              name: 'health',
              in: 'query',
              required: false,
              description: 'wsc extension: 1 adds a health object to each record (scan-health verdict, reasons and counters; null before the job has any)',
              schema: { type: 'string', enum: ['1', 'true'] },
            },
          ],
        }),
      },
      '/api/v1/jobs/search': { post: op('searchJobs', 'searchJobs', searchJobsSchema, jobListSchema) },
      '/api/v1/jobs/{instanceId}/stop': { patch: op('stopJob', 'stopJob', null, z.null(), { parameters: idParam }) },
      '/api/v1/jobs/{instanceId}/cancel': { patch: op('cancelJob', 'cancelJob', null, z.null(), { parameters: idParam }) },
      '/api/v1/jobs/{instanceId}/events': {
        get: {
          ...op('Job events as Server-Sent Events (wsc extension)', 'jobEvents', null, z.null(), {
            parameters: [...idParam, { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d+$' }, description: 'resume after this finding index' }],
            description:
              'text/event-stream: `status` events (instanceNo, status, status_text, crawl_cnt, scan_cnt, progress, result_desc) when they change, one `finding` event per finding (id: its index), and `end` (reason) when the job reached a final status, the stream lifetime (WSC_EVENTS_MAX_MS) passed or the server stops. Errors before the stream starts are the usual JSON envelope.',
          }),
          responses: {
            '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '400': { description: 'API Call Fail (901): unknown or another account\'s job', content: { 'application/json': { schema: json(errorSchema) } } },
            '401': { description: 'Authentication Failed (200) or Permission Denied (210)', content: { 'application/json': { schema: json(errorSchema) } } },
            '429': { description: 'Rate Limited (420): too many open streams for the account (WSC_EVENTS_MAX_STREAMS)' },
          },
        },
      },
      '/api/v1/assets': {
        get: op('List the account assets and what each covers (wsc extension)', 'listAssets', null, z.object({ assets: z.array(z.object({ kind: z.enum(['host', 'cidr', 'origin']), value: z.string(), source: z.string(), covers: z.string() })) })),
      },
      '/api/v1/assets/verify': {
        post: op(
          'Issue an ownership token for an origin (wsc extension)',
          'verifyAsset',
          assetUrlSchema,
          z.object({
            token: z.string(),
            url_to_place: z.string(),
            content: z.string(),
            expires_at: z.number(),
            covers: z.string(),
            dns_record: z.object({ name: z.string(), type: z.literal('TXT'), value: z.string(), covers: z.string() }),
          }),
        ),
      },
      '/api/v1/assets/verify/check': {
        post: op(
          'Look for the token (file on the origin, or DNS TXT record) and add what it proves as an asset (wsc extension)',
          'checkAsset',
          assetCheckSchema,
          z.object({ host: z.string(), verified: z.boolean(), kind: z.enum(['host', 'origin']), value: z.string(), covers: z.string() }),
        ),
      },
      '/api/v1/whoami': { get: op(ext('The calling account and whether it is an admin'), 'whoami', null, z.object({ account: z.string(), admin: z.boolean() })) },
      '/api/v1/keys': {
        get: op(ext('List API keys, never secrets (admin; others 403 "210")'), 'listKeys', null, anyResources),
        put: op(ext('Create an API key for an account, created if new; the secret is shown once (admin)'), 'createKey', keyCreateSchema, anyResources),
      },
      '/api/v1/keys/{accessKey}': { delete: op(ext('Revoke an API key (admin)'), 'revokeKey', null, anyResources, { parameters: keyParam }) },
      '/api/v1/settings/smtp': {
        get: op(ext('SMTP settings, password masked (admin)'), 'getSmtp', null, anyResources),
        put: op(ext('Set the SMTP settings (admin)'), 'putSmtp', smtpSettingsSchema, anyResources),
      },
      '/api/v1/schedules': {
        get: op(ext('List schedules'), 'listSchedules', null, anyResources),
        put: op(ext('Create a recurring schedule'), 'createSchedule', scheduleInSchema, anyResources),
      },
      '/api/v1/schedules/{id}': {
        get: op(ext('A schedule and its last runs'), 'getSchedule', null, anyResources, { parameters: numId }),
        patch: op(ext('Change, pause (Enabled false) or resume a schedule'), 'updateSchedule', schedulePatchSchema, anyResources, { parameters: numId }),
        delete: op(ext('Delete a schedule'), 'deleteSchedule', null, anyResources, { parameters: numId }),
      },
      '/api/v1/notifications': {
        get: op(ext('List notification channels'), 'listChannels', null, anyResources),
        put: op(ext('Create a webhook or e-mail channel; a webhook secret is shown once'), 'createChannel', channelInSchema, anyResources),
      },
      '/api/v1/notifications/{id}': {
        patch: op(ext('Change a channel'), 'updateChannel', channelPatchSchema, anyResources, { parameters: numId }),
        delete: op(ext('Delete a channel'), 'deleteChannel', null, anyResources, { parameters: numId }),
      },
      '/api/v1/notifications/{id}/test': { post: op(ext('Send a test notification now'), 'testChannel', null, anyResources, { parameters: numId }) },
      '/api/v1/notifications/{id}/deliveries': { get: op(ext('The last 100 deliveries with their attempts'), 'listDeliveries', null, anyResources, { parameters: numId }) },
    },
  };
}

export async function openapiRoutes(app: FastifyInstance): Promise<void> {
  const doc = openapiDocument();
  app.get('/openapi.json', async () => doc);
}
