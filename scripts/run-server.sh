#!/bin/sh
# Runs the production server's bundle ($1, then its arguments) with node, on jemalloc when the
# machine has it (Debian: libjemalloc2). glibc's malloc keeps what the server frees below memory
# still in use: over runs of a thousand streams, the API process's [heap] at rest grew from 20 MiB
# to over 100 MiB, which malloc_trim gave back. jemalloc gives it back by itself (README,
# Production). An LD_PRELOAD already set, even empty, is the operator's choice and is kept.
# `exec`, so that the process signalled (SIGTERM drains) is the server itself.
if [ -z "${LD_PRELOAD+set}" ]; then
  for lib in "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/lib64/libjemalloc.so.2 /usr/lib/libjemalloc.so.2; do
    if [ -r "$lib" ]; then
      export LD_PRELOAD="$lib"
      # Its background thread gives freed memory back on time while the server is idle too.
      export MALLOC_CONF="${MALLOC_CONF-background_thread:true}"
      break
    fi
  done
fi
exec node --enable-source-maps "$@"
