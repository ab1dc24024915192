/**
 * The Node flags a production worker runs with (`npm run worker`, the Dockerfile's
 * NODE_OPTIONS and the bench; tests/deploy keeps them the same): a capped old
 * generation makes V8 collect instead of growing the heap to several GiB of
 * garbage between stages, and a larger young generation promotes less of the
 * parse garbage. Raise the cap for drops much larger than 100k accounts.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=1536', '--max-semi-space-size=32'];
