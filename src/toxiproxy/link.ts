import type { Socket } from 'node:net';
import { randomStream, type Random } from './random.js';
import { EOF, passThrough, type Attributes, type Item, type ToxicIO, type ToxicType } from './toxics/index.js';

export type Direction = 'upstream' | 'downstream';

/** A toxic as configured on a proxy: shared by every link of its direction. */
export interface ToxicConfig {
  name: string;
  type: ToxicType;
  toxicity: number;
  attributes: Attributes;
}

/**
 * How much may wait inside one link before the source socket is paused. Toxiproxy lets a
 * latency toxic buffer 1024 chunks; counting bytes too keeps a slow toxic (bandwidth) from
 * pulling a whole upload into memory, so back-pressure reaches the client.
 */
const MAX_QUEUED = 1024;
const MAX_QUEUED_BYTES = 1024 * 1024;

type Wake = () => void;

/**
 * One toxic running on one link. It owns the queue of items waiting for the toxic, the
 * toxicity decision (drawn once per connection; drawn again only when an update changes the
 * toxicity) and the per-connection state (limit_data's count).
 */
class Stage implements ToxicIO {
  queue: Item[] = [];
  #waiter: Wake | undefined;
  #interrupt: Wake[] = [];
  #interrupted = false;
  #removed = false;
  #toxicity: number;
  #active: boolean;
  state: Record<string, number> = {};
  random: Random;
  running: Promise<void> | undefined;
  /** The toxic's current run: what an interrupt waits for. */
  #run: Promise<void> = Promise.resolve();

  constructor(
    readonly link: Link,
    public config: ToxicConfig,
  ) {
    this.random = randomStream(link.seed, `${link.key}/${config.name}`);
    this.#toxicity = config.toxicity;
    this.#active = this.random() < config.toxicity;
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  start(): void {
    this.running = this.#loop().catch(() => {
      // A toxic that throws must not take the process down: this connection is closed instead.
      this.link.connection.close();
    });
  }

  async #loop(): Promise<void> {
    while (!this.#removed && !this.link.closed) {
      this.#interrupted = false;
      if (this.config.toxicity !== this.#toxicity) {
        this.#toxicity = this.config.toxicity;
        this.#active = this.random() < this.#toxicity;
      }
      this.#run = this.#active ? this.config.type.run(this, this.config.attributes) : passThrough(this);
      await this.#run;
      if (!this.#interrupted) {
        // The toxic finished on its own (it cannot, but if one did, keep data flowing).
        await passThrough(this);
      }
    }
  }

  push(item: Item): void {
    this.queue.push(item);
    this.link.enqueued(item);
    const wake = this.#waiter;
    this.#waiter = undefined;
    wake?.();
  }

  read(): Promise<Item | null> {
    if (this.#interrupted) return Promise.resolve(null);
    const item = this.queue.shift();
    if (item !== undefined) {
      this.link.dequeued(item);
      return Promise.resolve(item);
    }
    return new Promise<Item | null>((resolve) => {
      const wake = (): void => {
        this.#interrupt = this.#interrupt.filter((w) => w !== wake);
        if (this.#waiter === wake) this.#waiter = undefined;
        resolve(this.read());
      };
      this.#waiter = wake;
      this.#interrupt.push(wake);
    });
  }

  readWithin(ms: number): Promise<Item | null | 'timeout'> {
    if (this.#interrupted || this.queue.length > 0) return this.read();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.#waiter === wake) this.#waiter = undefined;
        this.#interrupt = this.#interrupt.filter((w) => w !== wake);
        resolve('timeout');
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        this.#interrupt = this.#interrupt.filter((w) => w !== wake);
        if (this.#waiter === wake) this.#waiter = undefined;
        resolve(this.read());
      };
      this.#waiter = wake;
      this.#interrupt.push(wake);
    });
  }

  /**
   * Node's timers truncate to whole milliseconds and count from the loop's cached clock, so
   * a bare setTimeout can fire up to ~1 ms early, or late by its slack. A toxic must never
   * release data early and should be late by as little as possible: the timer aims at the
   * last whole millisecond before the due time, and the sub-millisecond rest is waited out
   * on setImmediate turns, which still let I/O run.
   */
  sleep(ms: number): Promise<boolean> {
    if (this.#interrupted) return Promise.resolve(false);
    const due = performance.now() + Math.max(0, ms);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      const arm = (): void => {
        const left = due - performance.now();
        if (left <= 0) {
          this.#interrupt = this.#interrupt.filter((w) => w !== wake);
          resolve(true);
        } else if (left < 1) {
          immediate = setImmediate(arm);
        } else {
          timer = setTimeout(arm, Math.floor(left));
        }
      };
      const wake = (): void => {
        clearTimeout(timer);
        clearImmediate(immediate);
        resolve(false);
      };
      this.#interrupt.push(wake);
      arm();
    });
  }

  send(item: Item): void {
    this.link.forward(this, item);
  }

  reset(): void {
    this.link.connection.reset();
  }

  /** Stops the toxic's current run; resolves when it has handed on what it held and returned. */
  interrupt(): Promise<void> {
    this.#interrupted = true;
    const wakes = this.#interrupt;
    this.#interrupt = [];
    for (const wake of wakes) wake();
    return this.#run.catch(() => undefined);
  }

  /** Interrupts for good: resolves when the loop has ended. */
  async remove(): Promise<void> {
    this.#removed = true;
    await this.interrupt();
    await this.running;
  }
}

/** The connection a link belongs to: what a toxic may do to it as a whole. */
export interface LinkConnection {
  reset(): void;
  /** The destination of this link is done: close the whole connection (no half-close). */
  closeFrom(direction: Direction): void;
  /** Closes both sockets now. */
  close(): void;
}

/**
 * One direction of one proxied connection: source socket → toxic stages → destination socket.
 * With no toxics, chunks go straight from source to destination.
 */
export class Link {
  stages: Stage[] = [];
  queued = 0;
  queuedBytes = 0;
  closed = false;
  #paused = false;
  #sawEof = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly direction: Direction,
    readonly source: Socket,
    readonly destination: Socket,
    readonly connection: LinkConnection,
    readonly seed: number,
    /** Names this link for seeded randomness: proxy, connection number, direction. */
    readonly key: string,
    toxics: readonly ToxicConfig[],
    private readonly onBytes: (received: number, sent: number) => void,
  ) {
    for (const config of toxics) this.addToxic(config);
    destination.on('drain', () => this.#maybeResume());
  }

  /** Data from the source socket. */
  receive(data: Buffer): void {
    this.bytesIn += data.length;
    this.onBytes(data.length, 0);
    this.#enter({ data, at: performance.now() });
  }

  /** The source socket ended or closed. */
  end(): void {
    if (this.#sawEof) return;
    this.#sawEof = true;
    this.#enter(EOF);
  }

  #enter(item: Item): void {
    const first = this.stages[0];
    if (first === undefined) this.#deliver(item);
    else first.push(item);
    this.#maybePause();
  }

  /** Called by a stage: hand `item` to the next stage or to the destination. */
  forward(from: Stage, item: Item): void {
    const index = this.stages.indexOf(from);
    const next = index === -1 ? undefined : this.stages[index + 1];
    if (next !== undefined) next.push(item);
    else if (index === -1 && this.stages.length > 0) {
      // A stage that was spliced out still flushing: its successor took its place.
      (this.stages[0] as Stage).push(item);
    } else this.#deliver(item);
  }

  enqueued(item: Item): void {
    this.queued++;
    if (item !== EOF) this.queuedBytes += item.data.length;
  }

  dequeued(item: Item): void {
    this.queued--;
    if (item !== EOF) this.queuedBytes -= item.data.length;
    this.#maybeResume();
  }

  #deliver(item: Item): void {
    if (this.closed || this.destination.destroyed) return;
    if (item === EOF) {
      this.closed = true;
      this.connection.closeFrom(this.direction);
      return;
    }
    this.bytesOut += item.data.length;
    this.onBytes(0, item.data.length);
    if (!this.destination.write(item.data)) this.#pause();
  }

  #maybePause(): void {
    if (this.queued > MAX_QUEUED || this.queuedBytes > MAX_QUEUED_BYTES) this.#pause();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.source.pause();
  }

  #maybeResume(): void {
    if (!this.#paused || this.queued > MAX_QUEUED / 2 || this.queuedBytes > MAX_QUEUED_BYTES / 2 || this.destination.writableNeedDrain) return;
    this.#paused = false;
    this.source.resume();
  }

  addToxic(config: ToxicConfig): void {
    const stage = new Stage(this, config);
    this.stages.push(stage);
    stage.start();
  }

  /** Restarts the toxic with its new attributes (timers restart; state is kept). */
  async updateToxic(config: ToxicConfig): Promise<void> {
    const stage = this.stages.find((s) => s.config === config);
    if (stage === undefined) return;
    await stage.interrupt();
  }

  /** Interrupts the toxic, flushes what waits for it at once, and splices it out. No data is lost. */
  async removeToxic(config: ToxicConfig): Promise<void> {
    const stage = this.stages.find((s) => s.config === config);
    if (stage === undefined) return;
    await stage.remove();
    const index = this.stages.indexOf(stage);
    const next = this.stages[index + 1];
    this.stages.splice(index, 1);
    for (const item of stage.queue.splice(0)) {
      this.dequeued(item);
      if (next !== undefined) next.push(item);
      else this.#deliver(item);
    }
    this.#maybeResume();
  }

  /** Stops every stage (the connection is closing). */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all(this.stages.map((s) => s.remove()));
  }
}
