// /info GET and POST (docs/master.md, /info).
import { badRequest, methodNotAllowed } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { optString, readJsonObject, sendJson } from '../http-util.js'
import { goArch, goOs, readSysFigures } from '../sysinfo.js'
import type { MasterInfo } from '../types.js'
import { API_VERSION } from '../../version.js'

async function masterInfo(ctx: RouteContext): Promise<MasterInfo> {
  const { deps } = ctx
  const sys = await readSysFigures()
  return {
    mid: deps.manager.masterId,
    alias: deps.manager.alias,
    os: goOs(),
    arch: goArch(),
    cpu: sys.cpu,
    mem_total: sys.mem_total,
    mem_used: sys.mem_used,
    swap_total: sys.swap_total,
    swap_used: sys.swap_used,
    netrx: sys.netrx,
    nettx: sys.nettx,
    diskr: sys.diskr,
    diskw: sys.diskw,
    sysup: sys.sysup,
    ver: API_VERSION,
    name: deps.config.listen.host,
    uptime: Math.floor((Date.now() - deps.startedAt) / 1000),
    log: deps.config.logRaw,
    tls: deps.tlsCode,
    crt: deps.config.crtRaw,
    key: deps.config.keyRaw,
    release: deps.version,
  }
}

export async function infoRoute(ctx: RouteContext): Promise<void> {
  switch (ctx.req.method ?? '') {
    case 'GET':
      return sendJson(ctx.res, 200, await masterInfo(ctx))
    case 'POST': {
      const { value } = await readJsonObject(ctx.req)
      const alias = optString(value, 'alias') ?? ''
      if (Buffer.byteLength(alias, 'utf8') > 256) throw badRequest('Master alias exceeds maximum length 256')
      await ctx.deps.manager.setAlias(alias)
      return sendJson(ctx.res, 200, await masterInfo(ctx))
    }
    default:
      throw methodNotAllowed()
  }
}
