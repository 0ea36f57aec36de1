/**
 * faultline's programmatic API. A later issue adds `run`; today it exports the scenario
 * loader (`loadSuite`, `validate`), the embedded Toxiproxy-compatible server and the
 * contracts every command shares.
 */
export { ExitCode } from './exit-codes.js';
export { FaultlineError, exitCodeFor, formatError, type FaultlineErrorCode } from './errors.js';
export { VERSION } from './version.js';
export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './toxiproxy/index.js';
export { loadSuite, validatePaths as validate, validateDocuments, type DocumentText, type FileReport, type LoadOptions, type ValidationReport } from './scenario/load.js';
export { ScenarioError, formatIssues } from './scenario/scenario-error.js';
export type { ScenarioIssue } from './scenario/source.js';
export type { ScenarioInput } from './scenario/schema/scenario.js';
export type { SuiteInput } from './scenario/schema/suite.js';
export type * from './scenario/types.js';
