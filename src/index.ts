/**
 * faultline's programmatic API (docs/api.md): `run` a suite as `faultline run` does, load and
 * validate scenario files, read, compare, merge and render reports, and start the embedded
 * Toxiproxy-compatible server. Everything here throws FaultlineError (match on `.code`) for
 * bad input and infrastructure, never exits the process and never installs signal handlers.
 */

// Running a suite.
export { run } from './api/run.js';
export type { RunEvent, RunOptions, RunResult } from './api/run-types.js';
export type { ScenarioReport as ScenarioEvent } from './run/suite-run.js';
export type { Progress } from './run/scenario-run.js';
export type { Shard } from './run/shard.js';
export type { ReleaseInfo } from './report/release.js';

// Contracts every command shares.
export { ExitCode } from './exit-codes.js';
export { FaultlineError, exitCodeFor, formatError, type FaultlineErrorCode } from './errors.js';
export { VERSION } from './version.js';

// Scenario files.
export { loadSuite, validatePaths as validate, validateDocuments, type DocumentText, type FileReport, type LoadOptions, type ValidationReport } from './scenario/load.js';
export type { ResolveOptions } from './scenario/resolve-scenario.js';
export { ScenarioError, formatIssues } from './scenario/scenario-error.js';
export type { ScenarioIssue } from './scenario/source.js';
export type { ScenarioInput } from './scenario/schema/scenario.js';
export type { SuiteInput } from './scenario/schema/suite.js';
export type * from './scenario/types.js';

// Reports (docs/reports.md).
export { REPORT_SCHEMA_VERSION, reportSchema, type Report, type ReportAssertion, type ReportFault, type ReportSeries, type ReportVerdict, type ScenarioReport } from './report/model.js';
export { readReport, locateReport, type LoadedReport } from './report/read.js';
export { writeReportFiles, type WrittenReport } from './report/write.js';
export { compareReports, type Comparison, type ScenarioComparison, type Change, type ChangeEffect, type RowStatus } from './report/compare.js';
export { renderCompareMarkdown, renderCompareText } from './report/compare-render.js';
export { DEFAULT_TOLERANCES, parseTolerances, type Tolerances, type TimeTolerance } from './report/tolerances.js';
export { mergeReports } from './report/merge.js';
export { renderHtml, type HtmlOptions } from './report/html.js';
export { renderJunit } from './report/junit.js';
export { renderMarkdown, type MarkdownOptions } from './report/markdown.js';
export { reportJsonSchema } from './report/json-schema.js';

// The embedded Toxiproxy-compatible server (docs/toxiproxy.md).
export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './toxiproxy/index.js';
