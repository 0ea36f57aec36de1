import { z } from 'zod';
import { coded } from './issue-text.js';
import { bool, bytes, countPerCore, discriminatorError, duration, name, oneOf, percent, size, sizeRate, strict, text } from './primitives.js';

/**
 * Faults: a name, when (`at`, from the start of the chaos phase), how long, and exactly one
 * kind. Network attributes use Toxiproxy's names with units (`latency: 500ms`), converted to
 * Toxiproxy's own units when the runner creates the toxic.
 */

export const FAULT_KINDS = ['network', 'cpu', 'heap', 'process'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const TOXICS = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'down'] as const;

const networkCommon = {
  proxy: name('The proxy (from the suite\'s proxies) to put the toxic on'),
  stream: oneOf(['upstream', 'downstream'], 'Direction: downstream = responses to the client (default), upstream = requests').optional(),
  toxicity: percent('Share of connections the toxic applies to (default 100%)').optional(),
};

const networkSchema = z
  .discriminatedUnion(
    'toxic',
    [
      strict({ toxic: z.literal('latency'), ...networkCommon, latency: duration({ description: 'Delay added to each chunk' }), jitter: duration({ description: 'Uniform ± variation (default 0s)' }).optional() }),
      strict({ toxic: z.literal('bandwidth'), ...networkCommon, rate: sizeRate('Bandwidth per connection, e.g. 100KB/s (Toxiproxy counts in whole KB/s)') }),
      strict({ toxic: z.literal('slow_close'), ...networkCommon, delay: duration({ description: 'Delay before the connection closes' }) }),
      strict({ toxic: z.literal('timeout'), ...networkCommon, timeout: duration({ description: 'Drop all data, close after this long without data (0s: never close)' }) }),
      strict({ toxic: z.literal('reset_peer'), ...networkCommon, timeout: duration({ description: 'Reset the connection (RST) after this long (default 0s)' }).optional() }),
      strict({
        toxic: z.literal('slicer'),
        ...networkCommon,
        average_size: bytes('Average slice size'),
        size_variation: bytes('Variation of the slice size (default 0)').optional(),
        delay: duration({ description: 'Delay between slices (default 0s)' }).optional(),
      }),
      strict({ toxic: z.literal('limit_data'), ...networkCommon, bytes: bytes('Close the connection after this many bytes') }),
      strict({ toxic: z.literal('down'), proxy: networkCommon.proxy }),
    ],
    { error: discriminatorError('toxic', TOXICS, 'Toxiproxy\'s toxic types; "down" disables the proxy') },
  )
  .describe('A Toxiproxy toxic on one of the suite\'s proxies');

/** The most busy threads a cpu fault runs; `N/core` resolves to at most this many. */
export const MAX_CPU_WORKERS = 256;

const cpuSchema = strict(
  {
    workers: countPerCore(`Busy threads, e.g. 4, or threads per CPU core, e.g. "2/core" = 2 × cores, capped at ${MAX_CPU_WORKERS} (default 1)`, MAX_CPU_WORKERS).optional(),
    load: percent('Duty cycle of each thread, e.g. 80% (default 100%)').optional(),
    mode: oneOf(['auto', 'in-process', 'stressor'], 'in-process: worker threads inside a node target; stressor: a separate process (default auto)').optional(),
  },
  'CPU saturation',
);

const heapSchema = strict(
  {
    rate: sizeRate('Allocation rate, e.g. 32MB/s'),
    max: size('Stop growing at this much retained memory, e.g. 256MB'),
    release: bool('Release the memory when the fault ends (default true)').optional(),
  },
  'Heap growth inside a node target',
);

const processSchema = strict(
  {
    action: oneOf(['kill', 'pause', 'terminate'], 'kill: SIGKILL; pause: SIGSTOP then SIGCONT; terminate: SIGTERM'),
    restart: bool('Start the process again when the fault ends (default true for kill and terminate)').optional(),
    service: name('A service to hit instead of the target').optional(),
  },
  'A signal to the target (or a service)',
);

export const faultSchema = strict(
  {
    name: name('Unique within the scenario; expectations refer to NAME.start and NAME.end'),
    description: text('What this fault stands for').optional(),
    at: duration({ description: 'Offset from the start of the chaos phase (default 0s)' }).optional(),
    duration: duration({ description: 'How long the fault lasts (for kill/terminate: how long the process stays down)' }).optional(),
    network: networkSchema.optional(),
    cpu: cpuSchema.optional(),
    heap: heapSchema.optional(),
    process: processSchema.optional(),
  },
  'A fault: name, at, duration and exactly one of network, cpu, heap, process',
)
  .superRefine(
    (value, ctx) => {
      const kinds = FAULT_KINDS.filter((kind) => (value as Record<string, unknown>)[kind] !== undefined);
      if (kinds.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: coded(
            'FAULT_KIND',
            kinds.length === 0 ? 'a fault needs one of network, cpu, heap or process' : `a fault has exactly one kind, got ${kinds.join(' and ')}`,
            kinds.length === 0 ? undefined : 'split it into two faults with their own names',
          ),
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .meta({ oneOf: FAULT_KINDS.map((kind) => ({ required: [kind] })) });

export type FaultParsed = z.output<typeof faultSchema>;
