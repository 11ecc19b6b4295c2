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
const trafficParams = [
  { name: 'range', in: 'query', required: false, description: 'How far back: a number and m, h or d (default 24h, at most 731d)', schema: { type: 'string', pattern: '^[0-9]+[mhd]$', default: '24h' } },
  { name: 'step', in: 'query', required: false, description: 'Seconds per point as a number and m, h or d (default: the finest resolution kept for the range)', schema: { type: 'string', pattern: '^[0-9]+[mhd]$' } },
]
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
    security: [{ ApiKeyAuth: [] }, { BearerAuth: [] }],
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
      '/instances/{id}/traffic': {
        parameters: [idParam],
        get: {
          summary: 'Traffic history of one instance (bytes per step and peak connections)',
          description:
            'Points are dense and aligned to `step`, from `to - range` to now. Kept: 1m points for 48h, 1h points ' +
            'for 90d, 1d points for 731d; a step must be a multiple of a resolution kept for the whole range.',
          operationId: 'instanceTraffic',
          parameters: trafficParams,
          responses: {
            '200': { description: 'History', content: json(ref('InstanceTraffic')) },
            ...errors(400, 401, 404, 405),
          },
        },
      },
      '/traffic': {
        get: {
          summary: 'Traffic history of every instance (same points as /instances/{id}/traffic)',
          operationId: 'allTraffic',
          parameters: trafficParams,
          responses: {
            '200': { description: 'History per instance', content: json(ref('AllTraffic')) },
            ...errors(400, 401, 405),
          },
        },
      },
      '/events': {
        get: {
          summary: 'Server-Sent Events: initial, create, update, delete, log, shutdown',
          description:
            'Frames are `event: instance` with one-line JSON data (see EventData) and an `id:` line. Reconnecting ' +
            'with `Last-Event-ID` replays the frames missed (journal: newest 4,096 frames, at most 4 MiB), or sends ' +
            'a fresh `initial` burst when the id is unknown. A comment line is sent every 15 s.',
          operationId: 'events',
          parameters: [
            { name: 'Last-Event-ID', in: 'header', required: false, description: 'The `id:` of the last frame received', schema: { type: 'string' } },
          ],
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
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format 0.0.4; see docs/metrics.md)',
          description:
            'Accepts the key as `X-API-Key` or `Authorization: Bearer <key>`; public when the master runs with ' +
            '`NP_METRICS_PUBLIC=1`.',
          operationId: 'metrics',
          responses: {
            '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors(401, 405),
          },
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
      securitySchemes: {
        ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        BearerAuth: { type: 'http', scheme: 'bearer', description: 'The API key as a Bearer token' },
      },
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
        TrafficPoint: {
          type: 'object',
          required: ['t', 'tcprx', 'tcptx', 'udprx', 'udptx', 'peak_tcps', 'peak_udps'],
          properties: {
            t: { type: 'integer', description: 'Start of the step, Unix seconds' },
            tcprx: { type: 'number', description: 'Bytes during the step' },
            tcptx: { type: 'number' },
            udprx: { type: 'number' },
            udptx: { type: 'number' },
            peak_tcps: { type: 'integer', description: 'Most TCP connections seen during the step' },
            peak_udps: { type: 'integer', description: 'Most UDP sessions seen during the step' },
          },
        },
        InstanceTraffic: {
          type: 'object',
          required: ['id', 'range', 'step', 'from', 'to', 'points'],
          properties: {
            id: str,
            range: { type: 'integer', description: 'Seconds' },
            step: { type: 'integer', description: 'Seconds' },
            from: { type: 'integer', description: 'Unix seconds' },
            to: { type: 'integer', description: 'Unix seconds' },
            points: { type: 'array', items: ref('TrafficPoint') },
          },
        },
        AllTraffic: {
          type: 'object',
          required: ['range', 'step', 'from', 'to', 'instances'],
          properties: {
            range: int,
            step: int,
            from: int,
            to: int,
            instances: {
              type: 'array',
              items: { type: 'object', required: ['id', 'points'], properties: { id: str, points: { type: 'array', items: ref('TrafficPoint') } } },
            },
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
