import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The agent's Prometheus metrics. Names follow the conventions most dashboards and the
 * bundled SLOs expect: `http_requests_total` and `http_request_duration_seconds` by
 * method/route/status_code, plus the agent's own families and Node's default process metrics.
 */
export interface AgentMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  actions: Counter<'type' | 'outcome'>;
  actionDuration: Histogram<'type' | 'outcome'>;
  busMessages: Counter<'priority'>;
  busDrops: Counter<'reason' | 'priority'>;
  walAppends: Counter;
  walSyncDuration: Histogram;
  healthStatus: Gauge<'check'>;
  leakedBytes: Gauge;
}

/** Buckets with edges at the 200 ms latency objective and around it. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];

export function createMetrics(sources: { inflight: () => number; queued: () => number; ringSize: () => number; states: () => number }): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const metrics: AgentMetrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request received to response finished, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    actions: new Counter({
      name: 'agent_actions_total',
      help: 'Actions by type and outcome (ok, timeout, rejected, failed, invalid).',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    actionDuration: new Histogram({
      name: 'agent_action_duration_seconds',
      help: 'Action time from admission to completion, queueing included.',
      labelNames: ['type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    busMessages: new Counter({
      name: 'agent_bus_messages_total',
      help: 'Context bus messages received, by priority.',
      labelNames: ['priority'],
      registers: [registry],
    }),
    busDrops: new Counter({
      name: 'agent_bus_dropped_total',
      help: 'Context bus messages dropped, by reason (overflow, expired, sampled, rejected) and priority.',
      labelNames: ['reason', 'priority'],
      registers: [registry],
    }),
    walAppends: new Counter({
      name: 'agent_wal_appends_total',
      help: 'Records appended to the write-ahead log (acknowledged after fdatasync, unless the wal-no-fsync bug is on).',
      registers: [registry],
    }),
    walSyncDuration: new Histogram({
      name: 'agent_wal_sync_duration_seconds',
      help: 'Time of one write-ahead log write + fdatasync (one group commit).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    healthStatus: new Gauge({
      name: 'agent_health_status',
      help: 'Health check status after hysteresis: 1 = UP, 0 = DOWN.',
      labelNames: ['check'],
      registers: [registry],
    }),
    leakedBytes: new Gauge({
      name: 'agent_leaked_bytes',
      help: 'Bytes retained by the `leak` seeded bug (0 when it is off).',
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'agent_engine_inflight',
    help: 'Actions holding a concurrency slot.',
    registers: [registry],
    collect() {
      this.set(sources.inflight());
    },
  });
  new Gauge({
    name: 'agent_engine_queued',
    help: 'Actions waiting for a concurrency slot.',
    registers: [registry],
    collect() {
      this.set(sources.queued());
    },
  });
  new Gauge({
    name: 'agent_bus_ring_size',
    help: 'Low-priority messages waiting in the ring buffer.',
    registers: [registry],
    collect() {
      this.set(sources.ringSize());
    },
  });
  new Gauge({
    name: 'agent_state_entries',
    help: 'State ids held by the coordinator.',
    registers: [registry],
    collect() {
      this.set(sources.states());
    },
  });
  return metrics;
}
