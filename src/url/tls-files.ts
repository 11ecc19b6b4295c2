// crt/key checks for tls=2 (D5: an unreadable or mismatched certificate is a startup error, not a fallback to tls=1).
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { quote } from './address.js'

function readText(name: 'crt' | 'key', path: string, issues: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    issues.push(`${name}: cannot read the file (${code}), got ${quote(path)}`)
    return undefined
  }
}

/** Reads both files and checks they hold a PEM certificate and its private key; false after pushing issues. */
export function checkTlsFiles(crtPath: string, keyPath: string, issues: string[]): boolean {
  const crtText = readText('crt', crtPath, issues)
  const keyText = readText('key', keyPath, issues)
  let cert: X509Certificate | undefined
  let key: KeyObject | undefined
  if (crtText !== undefined) {
    try {
      if (!crtText.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate')
      cert = new X509Certificate(crtText)
    } catch {
      issues.push(`crt: not a PEM certificate, got ${quote(crtPath)}`)
    }
  }
  if (keyText !== undefined) {
    try {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText)) throw new Error('no PEM key')
      key = createPrivateKey(keyText)
    } catch {
      issues.push(`key: not a PEM private key, got ${quote(keyPath)}`)
    }
  }
  if (cert === undefined || key === undefined) return false
  if (!cert.checkPrivateKey(key)) {
    issues.push(`key: does not match the certificate in crt, got ${quote(keyPath)}`)
    return false
  }
  return true
}
