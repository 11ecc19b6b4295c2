#!/bin/sh
# npm run bench -- [flags]: raises the open-file limit as far as allowed (10,000 connections need ~20,000 fds in a
# forwarder), then runs the compiled harness. Flags: see `npm run bench -- --help`.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node dist/bench/run.js "$@"
