// The OpenAPI 3.1 description of the master API (served at <prefix>/v1/openapi.json and <prefix>/openapi.json).
type Json = Record<string, unknown>

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Json): Json => ({ 'application/json': { schema } })
const errors = (...codes: number[]): Json =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'Error', content: json(ref('Error')) }]),
  )
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (message in `error`)',
  401: 'Missing or invalid API key',
  403: 'Not allowed on the API-key instance `********`',
  404: 'Instance not found',
  405: 'Method not allowed',
  409: 'Conflict (same URL, or an ID collision)',
  413: 'Request body too large (limit 64 KiB)',
}
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Instance ID (8 hex digits), or `********` for the API-key instance',
  schema: { type: 'string' },
}

const str = { type: 'string' }
const int = { type: 'integer' }

export function openApiDocument(base: string, version: string): Json {
  return {
    openapi: '3.1.1',
    info: {
      title: 'NodePass API',
      version: 'v1',
      description: `NodePass master (${version}): create, control and watch server:// and client:// instances.`,
    },
    servers: [{ url: base }],
    security: [{ ApiKeyAuth: [] }],
    paths: {
      '/instances': {
        get: {
          summary: 'List every instance (including the API-key instance `********`)',
          operationId: 'listInstances',
          responses: {
            '200': { description: 'All instances', content: json({ type: 'array', items: ref('Instance') }) },
            ...errors(401),
          },
        },
        post: {
          summary: 'Create an instance and start it',
          operationId: 'createInstance',
          requestBody: { required: true, content: json(ref('CreateInstanceRequest')) },
          responses: {
            '201': { description: 'Created', content: json(ref('Instance')) },
            ...errors(400, 401, 409, 413),
          },
        },
      },
      '/instances/{id}': {
        parameters: [idParam],
        get: {
          summary: 'Get one instance',
          operationId: 'getInstance',
          responses: { '200': { description: 'The instance', content: json(ref('Instance')) }, ...errors(400, 401, 404) },
        },
        patch: {
          summary: 'Update alias, restart policy or metadata, or run an action (start, stop, restart, reset)',
          description:
            'The whole body is validated before anything changes. On `********`, `{"action":"restart"}` ' +
            'regenerates the API key and closes every event stream.',
          operationId: 'updateInstance',
          requestBody: { required: true, content: json(ref('UpdateInstanceRequest')) },
          responses: {
            '200': { description: 'The instance (status from before an asynchronous action)', content: json(ref('Instance')) },
            ...errors(400, 401, 404, 413),
          },
        },
        put: {
          summary: 'Replace the instance URL and restart it',
          operationId: 'replaceInstanceUrl',
          requestBody: { required: true, content: json(ref('PutInstanceRequest')) },
          responses: {
            '200': { description: 'The instance', content: json(ref('Instance')) },
            ...errors(400, 401, 403, 404, 409, 413),
          },
        },
        delete: {
          summary: 'Stop and delete an instance',
          operationId: 'deleteInstance',
          responses: { '204': { description: 'Deleted' }, ...errors(401, 403, 404) },
        },
      },
      '/events': {
        get: {
          summary: 'Server-Sent Events: initial, create, update, delete, log, shutdown',
          description:
            'Frames are `event: instance` with one-line JSON data (see EventData). A comment line is sent every 15 s.',
          operationId: 'events',
          responses: {
            '200': { description: 'Event stream', content: { 'text/event-stream': { schema: ref('EventData') } } },
            ...errors(401),
          },
        },
      },
      '/info': {
        get: {
          summary: 'Master and host information',
          operationId: 'getInfo',
          responses: { '200': { description: 'Master info', content: json(ref('MasterInfo')) }, ...errors(401) },
        },
        post: {
          summary: 'Set the master alias',
          operationId: 'setMasterAlias',
          requestBody: { required: true, content: json(ref('UpdateMasterAliasRequest')) },
          responses: {
            '200': { description: 'Master info', content: json(ref('MasterInfo')) },
            ...errors(400, 401, 413),
          },
        },
      },
      '/tcping': {
        get: {
          summary: 'TCP connect test (at most 10 at once; a request waits 1 s for a slot)',
          operationId: 'tcping',
          parameters: [
            { name: 'target', in: 'query', required: true, description: 'host:port', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Result', content: json(ref('TCPingResult')) }, ...errors(400, 401) },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          operationId: 'openapi',
          security: [],
          responses: { '200': { description: 'OpenAPI document', content: json({ type: 'object' }) } },
        },
      },
      '/docs': {
        get: {
          summary: 'Swagger UI',
          operationId: 'docs',
          security: [],
          responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
    },
    components: {
      securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string', description: 'Message (upstream text)' },
            code: { type: 'string', description: 'Stable error code, e.g. NP_ERR_BAD_REQUEST' },
            issues: { type: 'array', items: str, description: 'Every problem found in an instance URL' },
          },
        },
        Peer: {
          type: 'object',
          properties: {
            sid: { type: 'string', description: 'Remote service ID: a UUID, or empty', maxLength: 256 },
            type: { type: 'string', enum: ['', '0', '1', '2', '3', '4', '5', '6', '7'], description: 'Peer kind as the panel names it ("0"–"7"); not interpreted by the master' },
            alias: { type: 'string', maxLength: 256 },
          },
        },
        Meta: {
          type: 'object',
          properties: {
            peer: ref('Peer'),
            tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 } },
          },
        },
        Instance: {
          type: 'object',
          required: ['id', 'alias', 'type', 'status', 'url', 'config', 'restart', 'meta'],
          properties: {
            id: str,
            alias: str,
            type: { type: 'string', enum: ['server', 'client', ''] },
            status: { type: 'string', enum: ['running', 'stopped', 'error', ''] },
            url: { type: 'string', description: 'The URL the instance runs (the API key for `********`)' },
            config: { type: 'string', description: 'The URL with every default filled in (the master ID for `********`)' },
            restart: { type: 'boolean' },
            meta: ref('Meta'),
            mode: int,
            ping: int,
            pool: int,
            tcps: int,
            udps: int,
            tcprx: int,
            tcptx: int,
            udprx: int,
            udptx: int,
          },
        },
        CreateInstanceRequest: {
          type: 'object',
          required: ['url'],
          properties: { alias: str, url: { type: 'string', description: 'server://… or client://…' } },
        },
        UpdateInstanceRequest: {
          type: 'object',
          properties: {
            alias: { type: 'string', maxLength: 256 },
            action: { type: 'string', enum: ['start', 'stop', 'restart', 'reset'] },
            restart: { type: 'boolean' },
            meta: ref('Meta'),
          },
        },
        PutInstanceRequest: { type: 'object', required: ['url'], properties: { url: str } },
        UpdateMasterAliasRequest: { type: 'object', required: ['alias'], properties: { alias: { type: 'string', maxLength: 256 } } },
        MasterInfo: {
          type: 'object',
          properties: Object.fromEntries(
            [
              ['mid', str], ['alias', str], ['os', str], ['arch', str], ['cpu', int], ['mem_total', int],
              ['mem_used', int], ['swap_total', int], ['swap_used', int], ['netrx', int], ['nettx', int],
              ['diskr', int], ['diskw', int], ['sysup', int], ['ver', str], ['name', str], ['uptime', int],
              ['log', str], ['tls', str], ['crt', str], ['key', str], ['release', str],
            ],
          ),
        },
        TCPingResult: {
          type: 'object',
          required: ['target', 'connected', 'latency', 'error'],
          properties: {
            target: str,
            connected: { type: 'boolean' },
            latency: { type: 'integer', description: 'Connect time in ms (0 on failure)' },
            error: { type: ['string', 'null'] },
          },
        },
        EventData: {
          type: 'object',
          required: ['type', 'time', 'instance', 'logs'],
          properties: {
            type: { type: 'string', enum: ['initial', 'create', 'update', 'delete', 'shutdown', 'log'] },
            time: { type: 'string', format: 'date-time' },
            instance: { oneOf: [ref('Instance'), { type: 'null' }] },
            logs: str,
          },
        },
      },
    },
  }
}
