import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { isLoopback } from '../../toxiproxy/address.js';

interface ToxiproxyArgs {
  host: string;
  port: number;
  seed: number;
  'allow-remote': boolean;
}

/**
 * `faultline toxiproxy`: runs the embedded Toxiproxy-compatible server on its own, for use
 * with any Toxiproxy client or CLI. Prints one JSON line when it listens; stops on SIGINT or
 * SIGTERM, closing every proxy and connection.
 */
export function toxiproxyCommand(yargs: Argv): Argv {
  return yargs.command<ToxiproxyArgs>(
    'toxiproxy',
    'Run the embedded Toxiproxy-compatible server (HTTP API + TCP proxies)',
    (y) =>
      y
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface of the HTTP API' })
        .option('port', { type: 'number', default: 8474, describe: 'Port of the HTTP API (0 picks a free one)' })
        .option('seed', { type: 'number', default: 0, describe: 'Seed for every random choice (toxicity, jitter, slicer sizes)' })
        .option('allow-remote', {
          type: 'boolean',
          default: false,
          describe: 'Allow the API and proxies to bind interfaces other than loopback',
        })
        .example('$0 toxiproxy', 'API on http://127.0.0.1:8474, like Shopify Toxiproxy')
        .example('$0 toxiproxy --port 0 --seed 42', 'a free port, printed on stdout; reproducible randomness'),
    async (args) => {
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
        throw new FaultlineError('FAULTLINE_USAGE', `--port must be an integer from 0 to 65535, got ${args.port}`);
      }
      if (!Number.isInteger(args.seed)) throw new FaultlineError('FAULTLINE_USAGE', `--seed must be an integer, got ${args.seed}`);
      if (!args['allow-remote'] && !isLoopback(args.host) && args.host !== 'localhost') {
        throw new FaultlineError('FAULTLINE_USAGE', `--host ${args.host} is not a loopback address`, {
          hint: 'pass --allow-remote to serve the API (and proxies) on other interfaces',
        });
      }
      const { startToxiproxyServer } = await import('../../toxiproxy/index.js');
      let server;
      try {
        server = await startToxiproxyServer({ host: args.host, port: args.port, seed: args.seed, allowRemote: args['allow-remote'] });
      } catch (error) {
        const err = error as NodeJS.ErrnoException;
        throw new FaultlineError('FAULTLINE_INFRASTRUCTURE', `cannot serve the Toxiproxy API on ${args.host}:${args.port}: ${err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'another process (perhaps a Toxiproxy) uses that port; pick another with --port, or --port 0' : undefined,
          cause: error,
        });
      }
      // Handlers first: whoever reads the listening line may signal at once.
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url, host: server.host, port: server.port, seed: args.seed })}\n`);
      const signal = await stopped;
      await server.close();
      process.exitCode = signal === 'SIGINT' ? ExitCode.INTERRUPTED : ExitCode.OK;
    },
  );
}
