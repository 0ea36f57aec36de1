/**
 * faultline's programmatic API. Later issues add `run`, `loadSuite` and `validate`; today it
 * exports the embedded Toxiproxy-compatible server and the contracts every command shares.
 */
export { ExitCode } from './exit-codes.js';
export { FaultlineError, exitCodeFor, formatError, type FaultlineErrorCode } from './errors.js';
export { VERSION } from './version.js';
export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './toxiproxy/index.js';
