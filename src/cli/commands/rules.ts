import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';

interface RulesArgs {
  suite: string;
  out?: string;
}

/**
 * `faultline rules`: the suite's server-side SLOs and burn-rate alerts as a Prometheus rule
 * file, so the target's own Prometheus alerts the way faultline judges. Loads the suite (and
 * its scenarios) exactly as `run` would: a bad file is exit 2 with every issue at its place.
 */
export function rulesCommand(yargs: Argv): Argv {
  return yargs.command<RulesArgs>(
    'rules [suite]',
    'Print or write the Prometheus rule file of a suite\'s SLOs and alerts',
    (y) =>
      y
        .positional('suite', { type: 'string', default: 'scenarios', describe: 'A suite file (faultline.yaml) or the folder holding it' })
        .option('out', { type: 'string', describe: 'Write the rule file here (atomically) instead of printing it' })
        .example('$0 rules', 'print the rules of scenarios/faultline.yaml')
        .example('$0 rules scenarios --out slo-rules.yml', 'write them; then: promtool check rules slo-rules.yml'),
    async (args) => {
      // Loaded on use: the loader pulls in yaml and zod.
      const { loadSuite } = await import('../../scenario/load.js');
      const { renderRules } = await import('../../slo/rules.js');
      const { suite } = await loadSuite(args.suite);
      const text = renderRules(suite);
      if (args.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        await writeFileAtomic(path.resolve(args.out), text);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new FaultlineError('FAULTLINE_USAGE', `cannot write the rules to "${args.out}": ${reason}`, { hint: 'pick a file in a folder you can write to' });
      }
      process.stdout.write(`wrote ${args.out}\n`);
    },
  );
}
