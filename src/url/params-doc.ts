// The README's parameter table, rendered from params.ts (test/unit/readme-params.test.ts keeps them in sync).
import { PARAMS, type ParamSpec } from './params.js'

function defaultText(p: ParamSpec): string {
  if (p.name === 'sni') return 'tunnel host, or `none` for an IP'
  return p.default === '' ? '–' : `\`${p.default}\``
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

/** A Markdown table: parameter, where it is allowed, default, accepted values, description. */
export function renderParamTable(): string {
  const rows = PARAMS.map((p) =>
    `| \`${p.name}\` | ${p.scopes.join(', ')} | ${defaultText(p)} | ${cell(p.expect)} | ${cell(p.help)} |`)
  return ['| param | allowed on | default | value | meaning |', '|---|---|---|---|---|', ...rows].join('\n')
}
