// Preloaded into a test's server process (NODE_OPTIONS="--expose-gc --require …"): SIGUSR2 runs a
// full garbage collection and says so on stderr, so a test can read the memory the process
// retains rather than garbage V8 has not collected yet.
'use strict';
process.on('SIGUSR2', () => {
  global.gc();
  process.stderr.write('gc-on-signal: collected\n');
});
