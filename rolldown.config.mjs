// The tunnel ends' startup bundle (bin/nodepass says why): dist/src as compiled by tsc, joined into a few files.
// npm packages stay external (loaded from node_modules as before); lazy imports stay lazy chunks.
import { defineConfig } from 'rolldown'

export default defineConfig({
  input: { cli: 'dist/src/cli.js' },
  platform: 'node',
  external: [/^node:/, 'ws', 'selfsigned', /^@matrixai\/quic/, 'swagger-ui-dist'],
  output: { dir: 'dist/bundle', format: 'esm', cleanDir: true },
})
