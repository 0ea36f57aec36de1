import type { Action, ActionResult, BehaviorEngine } from '../engine/engine.js';
import { ActionError, toActionError } from '../engine/errors.js';
import { traceFromId } from '../trace.js';
import { mulberry32 } from '../random.js';
import { RingBuffer } from './ring-buffer.js';

export type Priority = 'high' | 'low';
export type DropReason = 'overflow' | 'expired' | 'sampled' | 'rejected';

/** A message on the context bus. */
export interface BusMessage {
  traceId: string;
  priority: Priority;
  /** Time to live from receipt, in ms. */
  ttl: number;
  /** The work the message asks for. */
  action: Action;
}

interface Envelope {
  message: BusMessage;
  receivedAt: number;
  expiresAt: number;
}

export type Delivery =
  | { delivered: true; priority: 'high'; result: ActionResult }
  | { delivered: false; priority: 'low'; queued: true }
  | { delivered: false; priority: Priority; dropped: DropReason };

export interface BusOptions {
  ringSize: number;
  /** Fraction of low-priority messages kept. */
  sampleRate: number;
  drainIntervalMs: number;
  drainBatch: number;
  seed: number;
  onDrop?: (reason: DropReason, priority: Priority) => void;
  onReceive?: (priority: Priority) => void;
  /** Low-priority work the drainer could not run (engine error); logged, never thrown. */
  onDeliveryError?: (message: BusMessage, error: ActionError) => void;
}

export interface BusStats {
  received: { high: number; low: number };
  delivered: { high: number; low: number };
  dropped: Record<DropReason, number>;
  ring: { size: number; capacity: number; traceIds: string[] };
}

/**
 * The context bus. High priority goes straight to the engine and the caller gets the result.
 * Low priority is sampled into a fixed-size ring buffer (overwriting the oldest when full)
 * that a drainer feeds to the engine in batches; a message whose ttl ran out before it was
 * delivered is dropped. Every drop is counted by reason.
 */
export class ContextBus {
  #ring: RingBuffer<Envelope>;
  #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  #stats: Omit<BusStats, 'ring'> = {
    received: { high: 0, low: 0 },
    delivered: { high: 0, low: 0 },
    dropped: { overflow: 0, expired: 0, sampled: 0, rejected: 0 },
  };

  constructor(
    private readonly engine: BehaviorEngine,
    private readonly options: BusOptions,
  ) {
    this.#ring = new RingBuffer<Envelope>(options.ringSize);
    this.#random = mulberry32(options.seed);
  }

  /** Checks a message's shape (and its action's); throws INVALID_ACTION. */
  validate(input: unknown, headerTraceId: string | undefined): BusMessage {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ActionError('INVALID_ACTION', 'a bus message is a JSON object {traceId?, priority, ttl, action}');
    }
    const { traceId, priority, ttl, action } = input as Record<string, unknown>;
    if (priority !== 'high' && priority !== 'low') {
      throw new ActionError('INVALID_ACTION', `message.priority must be "high" or "low", got ${JSON.stringify(priority)}`);
    }
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw new ActionError('INVALID_ACTION', `message.ttl must be a number of ms >= 0, got ${JSON.stringify(ttl)}`);
    }
    if (traceId !== undefined && (typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId))) {
      throw new ActionError('INVALID_ACTION', 'message.traceId must be 32 lowercase hex digits (a W3C trace id)');
    }
    return {
      traceId: traceFromId((traceId) ?? headerTraceId).traceId,
      priority,
      ttl,
      action: this.engine.validate(action),
    };
  }

  async publish(message: BusMessage): Promise<Delivery> {
    const now = performance.now();
    this.#stats.received[message.priority]++;
    this.options.onReceive?.(message.priority);
    if (message.ttl <= 0) return this.#drop(message.priority, 'expired');
    if (message.priority === 'high') {
      // The engine's deadline never outlives the message's ttl.
      const action = { ...message.action, timeout: this.#deadline(message.action, message.ttl) };
      let result: ActionResult;
      try {
        result = await this.engine.submit(action, traceFromId(message.traceId));
      } catch (error) {
        this.#drop('high', toActionError(error).code === 'DEADLINE_EXCEEDED' ? 'expired' : 'rejected');
        throw error;
      }
      this.#stats.delivered.high++;
      return { delivered: true, priority: 'high', result };
    }
    if (this.options.sampleRate < 1 && this.#random() >= this.options.sampleRate) return this.#drop('low', 'sampled');
    const evicted = this.#ring.push({ message, receivedAt: now, expiresAt: now + message.ttl });
    if (evicted !== undefined) this.#drop('low', 'overflow');
    return { delivered: false, priority: 'low', queued: true };
  }

  #deadline(action: Action, ttlLeft: number): number {
    return Math.max(1, Math.min(this.engine.timeoutFor(action), Math.floor(ttlLeft)));
  }

  #drop(priority: Priority, reason: DropReason): Delivery {
    this.#stats.dropped[reason]++;
    this.options.onDrop?.(reason, priority);
    return { delivered: false, priority, dropped: reason };
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#drain(), this.options.drainIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < this.options.drainBatch; i++) {
        const envelope = this.#ring.shift();
        if (envelope === undefined) break;
        if (performance.now() >= envelope.expiresAt) {
          this.#drop('low', 'expired');
          continue;
        }
        const action = { ...envelope.message.action, timeout: this.#deadline(envelope.message.action, envelope.expiresAt - performance.now()) };
        batch.push(
          this.engine.submit(action, traceFromId(envelope.message.traceId)).then(
            () => {
              this.#stats.delivered.low++;
            },
            (error: unknown) => {
              const actionError = toActionError(error);
              if (actionError.code === 'DEADLINE_EXCEEDED') this.#drop('low', 'expired');
              else this.#drop('low', 'rejected');
              this.options.onDeliveryError?.(envelope.message, actionError);
            },
          ),
        );
      }
      await Promise.all(batch);
    } finally {
      this.#draining = false;
    }
  }

  /** Messages waiting in the ring. */
  get ringSize(): number {
    return this.#ring.size;
  }

  stats(): BusStats {
    return {
      received: { ...this.#stats.received },
      delivered: { ...this.#stats.delivered },
      dropped: { ...this.#stats.dropped },
      ring: { size: this.#ring.size, capacity: this.#ring.capacity, traceIds: this.#ring.toArray().map((e) => e.message.traceId) },
    };
  }
}
