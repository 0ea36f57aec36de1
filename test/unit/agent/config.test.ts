import { describe, expect, it } from 'vitest';
import { BUG_NAMES, ConfigError, loadConfig } from '../../../harness/agent/config.js';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('returns the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 0,
      host: '127.0.0.1',
      upstreamUrl: undefined,
      walPath: undefined,
      actionTimeoutMs: 200,
      maxActionTimeoutMs: 30_000,
      maxConcurrency: 64,
      maxQueue: 256,
      maxBodyBytes: 1_048_576,
      busRingSize: 1024,
      busSampleRate: 1,
      busDrainIntervalMs: 10,
      busDrainBatch: 32,
      seed: 1,
      healthIntervalMs: 500,
      healthDownstreamTimeoutMs: 250,
      healthDownstreamPath: '/health',
      healthFailThreshold: 3,
      healthRecoverThreshold: 2,
      eventLoopP99LimitMs: 100,
      heapLimitFraction: 0.85,
      heapLimitMb: undefined,
      stopTimeoutMs: 10_000,
      leakBytesPerRequest: 65_536,
      logLevel: 'info',
      bugs: new Set(),
    });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ AGENT_PORT: '', AGENT_HOST: '   ', UPSTREAM_URL: ' ', AGENT_BUG: '' });
    expect(config.port).toBe(0);
    expect(config.host).toBe('127.0.0.1');
    expect(config.upstreamUrl).toBeUndefined();
    expect(config.bugs.size).toBe(0);
  });

  it('reads valid values, trimming whitespace', () => {
    const config = loadConfig({
      AGENT_PORT: ' 8080 ',
      AGENT_HOST: '0.0.0.0',
      AGENT_WAL: '/tmp/agent.wal',
      AGENT_ACTION_TIMEOUT_MS: '500',
      AGENT_MAX_ACTION_TIMEOUT_MS: '500',
      AGENT_BUS_SAMPLE_RATE: '0.25',
      AGENT_HEAP_LIMIT_MB: '512',
      AGENT_LOG_LEVEL: 'debug',
      AGENT_HEALTH_DOWNSTREAM_PATH: '/ready',
      AGENT_SEED: String(2 ** 32 - 1),
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      walPath: '/tmp/agent.wal',
      actionTimeoutMs: 500,
      maxActionTimeoutMs: 500,
      busSampleRate: 0.25,
      heapLimitMb: 512,
      logLevel: 'debug',
      healthDownstreamPath: '/ready',
      seed: 2 ** 32 - 1,
    });
  });
});

describe('loadConfig rejects bad values', () => {
  it.each([
    { name: 'AGENT_PORT', value: 'abc', message: /AGENT_PORT: expected an integer from 0 to 65535, got "abc"/ },
    { name: 'AGENT_PORT', value: '1.5', message: /AGENT_PORT: expected an integer/ },
    { name: 'AGENT_PORT', value: '1e3', message: /AGENT_PORT: expected an integer/ },
    { name: 'AGENT_PORT', value: '65536', message: /AGENT_PORT: expected an integer from 0 to 65535, got "65536"/ },
    { name: 'AGENT_PORT', value: '-1', message: /AGENT_PORT: expected an integer/ },
    { name: 'AGENT_MAX_CONCURRENCY', value: '0', message: /AGENT_MAX_CONCURRENCY: expected an integer from 1 to 100000/ },
    { name: 'AGENT_MAX_BODY_BYTES', value: '63', message: /AGENT_MAX_BODY_BYTES: expected an integer from 64/ },
    { name: 'AGENT_SEED', value: String(2 ** 32), message: /AGENT_SEED: expected an integer from 0 to 4294967295/ },
    { name: 'AGENT_BUS_SAMPLE_RATE', value: '1.5', message: /AGENT_BUS_SAMPLE_RATE: expected a number from 0 to 1, got "1.5"/ },
    { name: 'AGENT_BUS_SAMPLE_RATE', value: 'NaN', message: /AGENT_BUS_SAMPLE_RATE: expected a number/ },
    { name: 'AGENT_HEAP_LIMIT_FRACTION', value: 'Infinity', message: /AGENT_HEAP_LIMIT_FRACTION: expected a number/ },
    { name: 'AGENT_HEAP_LIMIT_MB', value: '0', message: /AGENT_HEAP_LIMIT_MB: expected a number from 1 to 1048576, got "0"/ },
    { name: 'UPSTREAM_URL', value: 'not a url', message: /UPSTREAM_URL: expected an http:\/\/ URL .*got "not a url"/ },
    { name: 'UPSTREAM_URL', value: 'ftp://127.0.0.1/', message: /UPSTREAM_URL: expected an http:\/\/ or https:\/\/ URL, got protocol "ftp:"/ },
    { name: 'AGENT_LOG_LEVEL', value: 'verbose', message: /AGENT_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"/ },
    { name: 'AGENT_HEALTH_DOWNSTREAM_PATH', value: 'health', message: /AGENT_HEALTH_DOWNSTREAM_PATH: expected a path starting with "\/", got "health"/ },
  ])('$name=$value is an issue', ({ name, value, message }) => {
    const error = configError({ [name]: value });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(message);
    expect(error.message).toContain(error.issues[0]);
  });

  it('names an unknown AGENT_BUG and lists the known ones', () => {
    const error = configError({ AGENT_BUG: 'leak,nope' });
    expect(error.issues).toEqual([`AGENT_BUG: unknown bug "nope"; known bugs: ${BUG_NAMES.join(', ')}`]);
    for (const bug of BUG_NAMES) expect(error.issues[0]).toContain(bug);
  });

  it('collects every issue at once instead of stopping at the first', () => {
    const error = configError({
      AGENT_PORT: 'abc',
      AGENT_MAX_QUEUE: '-5',
      AGENT_BUS_SAMPLE_RATE: '2',
      UPSTREAM_URL: '::::',
      AGENT_BUG: 'leak, bogus',
      AGENT_LOG_LEVEL: 'loud',
      AGENT_HEALTH_DOWNSTREAM_PATH: 'ready',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    const names = error.issues.map((issue) => issue.split(':')[0]);
    expect(names.sort()).toEqual(
      ['AGENT_BUG', 'AGENT_BUS_SAMPLE_RATE', 'AGENT_HEALTH_DOWNSTREAM_PATH', 'AGENT_LOG_LEVEL', 'AGENT_MAX_QUEUE', 'AGENT_PORT', 'UPSTREAM_URL'].sort(),
    );
    for (const issue of error.issues) expect(error.message).toContain(`  - ${issue}`);
  });

  it('rejects a default action timeout above the maximum', () => {
    const error = configError({ AGENT_ACTION_TIMEOUT_MS: '5000', AGENT_MAX_ACTION_TIMEOUT_MS: '1000' });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/AGENT_ACTION_TIMEOUT_MS \(5000\) is above AGENT_MAX_ACTION_TIMEOUT_MS \(1000\)/);
  });

  it('compares the default action timeout with the default maximum too', () => {
    const error = configError({ AGENT_ACTION_TIMEOUT_MS: '30001' });
    expect(error.issues).toEqual([expect.stringMatching(/AGENT_ACTION_TIMEOUT_MS \(30001\) is above AGENT_MAX_ACTION_TIMEOUT_MS \(30000\)/)]);
  });

  it('accepts a default action timeout equal to the maximum', () => {
    expect(loadConfig({ AGENT_ACTION_TIMEOUT_MS: '1000', AGENT_MAX_ACTION_TIMEOUT_MS: '1000' }).actionTimeoutMs).toBe(1000);
  });
});

describe('AGENT_BUG', () => {
  it.each([
    { raw: 'leak', bugs: ['leak'] },
    { raw: 'leak,no-timeout', bugs: ['leak', 'no-timeout'] },
    { raw: ' leak ,  no-timeout , ', bugs: ['leak', 'no-timeout'] },
    { raw: ',,wal-no-fsync,,', bugs: ['wal-no-fsync'] },
    { raw: 'leak,leak', bugs: ['leak'] },
    { raw: BUG_NAMES.join(','), bugs: [...BUG_NAMES] },
  ])('"$raw" switches on $bugs', ({ raw, bugs }) => {
    const config = loadConfig({ AGENT_BUG: raw });
    expect([...config.bugs].sort()).toEqual([...bugs].sort());
  });
});

describe('UPSTREAM_URL', () => {
  it.each([
    { raw: 'http://127.0.0.1:8080', url: 'http://127.0.0.1:8080' },
    { raw: 'http://127.0.0.1:8080/', url: 'http://127.0.0.1:8080' },
    { raw: 'https://example.test/api///', url: 'https://example.test/api' },
    { raw: '  http://127.0.0.1:9/base/  ', url: 'http://127.0.0.1:9/base' },
  ])('"$raw" becomes "$url"', ({ raw, url }) => {
    expect(loadConfig({ UPSTREAM_URL: raw }).upstreamUrl).toBe(url);
  });
});
