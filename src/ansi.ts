// ANSI escape sequences (the log's colours): the one stripper, for the CLI's tests and the dashboard's log view.
// A pure leaf: the dashboard bundles it.

/** Removes every CSI escape sequence (`ESC [ params letter`), colours included. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
}
