/**
 * Every default of the scenario language, in one place. The resolvers (resolve-*.ts) are the
 * only readers; the schema descriptions and docs/scenarios.md quote these values, so change
 * them together.
 */
export const DEFAULTS = {
  suite: {
    seed: 1,
    scenarioGlobs: ['*.yaml', '*.yml'],
    allowRemote: false,
    toxiproxyPrefix: 'faultline',
  },
  process: {
    readyTimeoutMs: 30_000,
    readyStatus: 200,
    stopSignal: 'SIGTERM' as NodeJS.Signals,
    stopGraceMs: 10_000,
    restart: { when: 'never' as const, delayMs: 1_000, limit: 5 },
  },
  health: { intervalMs: 250, timeoutMs: 1_000 },
  metrics: { intervalMs: 1_000, timeoutMs: 1_000 },
  proxyListen: '127.0.0.1:0',
  load: {
    method: 'GET',
    ratePerSecond: 20,
    timeoutMs: 2_000,
    connections: 64,
  },
  slo: { client: true, windowMs: 30_000 },
  alert: { forMs: 0, keepFiringForMs: 0, severity: 'page' },
  evaluation: { intervalMs: 1_000, minEvents: 20 },
  scenario: { steadyMs: 10_000, recoverMs: 30_000 },
  fault: { atMs: 0 },
  network: { stream: 'downstream' as const, toxicity: 1, jitterMs: 0, resetTimeoutMs: 0, sizeVariation: 0, slicerDelayMs: 0 },
  cpu: { workers: 1, load: 1, mode: 'auto' as const },
  heap: { release: true },
  expect: {
    steadyStateWindowMs: 10_000,
    recoveryStableMs: 5_000,
    errorsMax: 0,
    durabilityRatePerSecond: 10,
    durabilityPhases: ['steady', 'chaos'] as const,
  },
  abort: { forMs: 5_000, quantile: 'p99' as const },
} as const;

/** Programs that make a target a Node.js process when `runtime` is not given. */
export function looksLikeNode(program: string): boolean {
  const base = program.split(/[\\/]/).pop() ?? program;
  return /^node(\d+)?(\.exe)?$/.test(base);
}
