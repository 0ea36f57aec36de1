#!/usr/bin/env node
/**
 * The agent's process entry: configuration from the environment, signals, and the one JSON
 * line on stdout that says where it listens: {"event":"listening","host":...,"port":...}.
 */
import { pino } from 'pino';
import { AgentRuntime } from './agent.js';
import { ConfigError, loadConfig, type AgentConfig } from './config.js';

function fail(message: string, code: number): never {
  process.stderr.write(`agent: ${message}\n`);
  process.exit(code);
}

let config: AgentConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(`${error.message}\n(see harness/agent/README.md for every variable and its default)`, 2);
  throw error;
}

const logger = pino({ level: config.logLevel, base: { service: 'agent', pid: process.pid } });
const runtime = new AgentRuntime(config, logger);

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled rejection');
  process.exit(1);
});

let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  if (config.bugs.has('no-graceful-stop')) {
    // Seeded bug: exit on the spot, dropping in-flight work and whatever the WAL still buffers.
    process.exit(0);
  }
  if (stopping) {
    logger.warn({ signal }, 'second signal during stop: exiting now');
    process.exit(1);
  }
  if (runtime.state === 'created' || runtime.state === 'initialized') {
    // Nothing acknowledged and nothing in flight yet (a WAL replay is read-only until its
    // atomic compaction), so there is nothing to drain.
    logger.info({ signal }, 'signal before the agent was ready: exiting');
    process.exit(0);
  }
  stopping = true;
  logger.info({ signal, deadlineMs: config.stopTimeoutMs }, 'stopping');
  runtime.stop(config.stopTimeoutMs).then(
    (result) => {
      logger.info({ ...result }, 'stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'stop failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

try {
  await runtime.init();
  const address = await runtime.start();
  process.stdout.write(`${JSON.stringify({ event: 'listening', host: address.address, port: address.port, pid: process.pid })}\n`);
  logger.info({ host: address.address, port: address.port, upstream: config.upstreamUrl ?? null, wal: config.walPath ?? null }, 'agent ready');
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is already in use; set AGENT_PORT=0 for a free one`, 1);
  if (err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') fail(`cannot listen on ${config.host}:${config.port}: ${err.message}`, 1);
  fail(`failed to start: ${err.message}`, 1);
}
