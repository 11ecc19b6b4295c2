// /openapi.json and /docs (Swagger UI from the swagger-ui-dist package: no external request, D18).
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { RouteContext } from '../context.js'
import { CORS_HEADERS, sendJson } from '../http-util.js'
import { openApiDocument } from '../openapi.js'
import { ASSET, embeddedAsset, isSingleExecutable } from '../../embedded.js'

/** The Swagger UI files served under `<base>/docs/` (scripts/build-exe.ts embeds them in the single executable). */
export const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

let distDir: string | undefined
function swaggerDir(): string {
  distDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  return distDir
}

export function openApiRoute(ctx: RouteContext): void {
  sendJson(ctx.res, 200, openApiDocument(ctx.base, ctx.deps.version))
}

function page(base: string, spec: unknown): string {
  const inline = JSON.stringify(spec).replace(/</g, '\\u003c')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>NodePass API</title>
<link rel="stylesheet" href="${base}/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/docs/swagger-ui-bundle.js"></script>
<script src="${base}/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.onload = function () {
  window.ui = SwaggerUIBundle({
    spec: ${inline},
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout'
  })
}
</script>
</body>
</html>
`
}

export function docsRoute(ctx: RouteContext): void {
  const html = page(ctx.base, openApiDocument(ctx.base, ctx.deps.version))
  ctx.res.writeHead(200, {
    ...CORS_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  })
  ctx.res.end(html)
}

/** `<base>/docs/<asset>`; true when the asset exists and was sent. */
export async function docsAssetRoute(ctx: RouteContext, name: string): Promise<boolean> {
  const type = ASSETS[name]
  if (type === undefined) return false
  // The single executable carries these files inside (src/embedded.ts).
  const body = isSingleExecutable() ? embeddedAsset(ASSET.swagger(name)) : await readFile(join(swaggerDir(), name))
  if (body === undefined) return false
  ctx.res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': 'public, max-age=86400',
  })
  ctx.res.end(body)
  return true
}
