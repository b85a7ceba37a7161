// Whether a port can be listened on, checked before a command loads Python or opens its database, so a port in
// use is said at once and leaves nothing behind. The server still reports the port taken in between.
import net from 'node:net';

/** Resolves when `port` on `host` is free (or is 0); rejects with a one-line error carrying `code` otherwise. */
export function assertPortFree(port, host, code) {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => {
      if (err.code === 'EADDRINUSE') reject(Object.assign(new Error(`(${code}) port ${port} on ${host} is already in use; choose another with --port N`), { code }));
      else resolve(); // another trouble (a bad host): the real listen reports it in its own words
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
