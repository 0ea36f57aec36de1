/**
 * faultline's programmatic API. Later issues add `run`, `loadSuite`, `validate` and
 * `startToxiproxyServer`; today it exports the contracts every command shares.
 */
export { ExitCode } from './exit-codes.js';
export { FaultlineError, exitCodeFor, formatError, type FaultlineErrorCode } from './errors.js';
export { VERSION } from './version.js';
