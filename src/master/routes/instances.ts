// /instances and /instances/{id} (docs/master.md, Routes and Instances; D13).
import { badRequest, forbiddenKey, invalidBody, methodNotAllowed, notFound } from '../api-error.js'
import type { RouteContext } from '../context.js'
import { optString, readJsonObject, sendJson, sendNoContent } from '../http-util.js'
import { assertViewFits } from '../frame-limits.js'
import { planPatch } from '../patch.js'
import { KEY_ID } from '../types.js'

export async function instancesRoute(ctx: RouteContext): Promise<void> {
  const { req, res, deps } = ctx
  switch (req.method ?? '') {
    case 'GET':
      return sendJson(res, 200, deps.manager.list())
    case 'POST': {
      const { value } = await readJsonObject(req)
      const url = optString(value, 'url')
      const alias = optString(value, 'alias') ?? ''
      if (url === undefined || url === '') throw invalidBody()
      return sendJson(res, 201, await deps.manager.create(url, alias))
    }
    default:
      throw methodNotAllowed()
  }
}

export async function instanceRoute(ctx: RouteContext, id: string): Promise<void> {
  const { req, res, deps } = ctx
  const m = deps.manager
  if (id === '') throw badRequest('Instance ID is required')
  if (!m.has(id)) throw notFound()
  switch (req.method ?? '') {
    case 'GET':
      return sendJson(res, 200, m.get(id))
    case 'PATCH': {
      const { value, text } = await readJsonObject(req)
      if (id === KEY_ID) {
        const action = optString(value, 'action')
        return sendJson(res, 200, action === 'restart' ? await m.regenerateKey() : m.keyView())
      }
      const current = m.get(id)
      const plan = planPatch(value, text, current.meta, current.alias)
      assertViewFits({
        ...current,
        alias: plan.alias ?? current.alias,
        meta: { peer: plan.peer ?? current.meta.peer, tags: plan.tags ?? current.meta.tags },
      })
      return sendJson(res, 200, await m.patch(id, plan))
    }
    case 'PUT': {
      if (id === KEY_ID) throw forbiddenKey()
      const { value } = await readJsonObject(req)
      const url = optString(value, 'url')
      if (url === undefined || url === '') throw invalidBody()
      return sendJson(res, 200, await m.replaceUrl(id, url))
    }
    case 'DELETE':
      await m.remove(id)
      return sendNoContent(res)
    default:
      throw methodNotAllowed()
  }
}
