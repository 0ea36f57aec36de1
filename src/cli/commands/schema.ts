import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { FaultlineError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import type { SchemaFileName } from '../../scenario/json-schema.js';

interface SchemaArgs {
  out?: string;
  kind?: 'suite' | 'scenario' | 'report';
}

/** `faultline schema`: the JSON Schemas of suite and scenario files (for editors) and of report.json. */
export function schemaCommand(yargs: Argv): Argv {
  return yargs.command<SchemaArgs>(
    'schema',
    'Print or write the JSON Schemas of suite and scenario files (for editor completion) and of report.json',
    (y) =>
      y
        .option('out', { type: 'string', describe: 'Write suite.schema.json, scenario.schema.json and report.schema.json into this folder' })
        .option('kind', { choices: ['suite', 'scenario', 'report'] as const, describe: 'Print only this schema' })
        .example('$0 schema --out schema', 'write the schemas, as committed in this repository')
        .example('$0 schema --kind scenario > scenario.schema.json', 'print one schema'),
    async (args) => {
      // Loaded on use: `faultline --version` and other commands need not load zod.
      const { SCHEMA_FILES, jsonSchema: inputSchema, jsonSchemaText: inputSchemaText } = await import('../../scenario/json-schema.js');
      const { reportJsonSchema, reportJsonSchemaText } = await import('../../report/json-schema.js');
      type File = SchemaFileName | 'report.schema.json';
      const jsonSchema = (file: File) => (file === 'report.schema.json' ? reportJsonSchema() : inputSchema(file));
      const jsonSchemaText = (file: File) => (file === 'report.schema.json' ? reportJsonSchemaText() : inputSchemaText(file));
      const files = [...(Object.keys(SCHEMA_FILES) as SchemaFileName[]), 'report.schema.json' as const].filter((file) => args.kind === undefined || file.startsWith(`${args.kind}.`));
      if (args.out === undefined) {
        const output: unknown = args.kind === undefined ? Object.fromEntries(files.map((file) => [file.split('.')[0], jsonSchema(file)])) : jsonSchema(files[0] as File);
        process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
        return;
      }
      const dir = path.resolve(args.out);
      try {
        await mkdir(dir, { recursive: true });
        for (const file of files) await writeFileAtomic(path.join(dir, file), jsonSchemaText(file));
      } catch (error) {
        throw new FaultlineError('FAULTLINE_USAGE', `cannot write the schemas into "${args.out}": ${(error as Error).message}`, { hint: 'pick a folder you can write to' });
      }
      for (const file of files) process.stdout.write(`wrote ${path.join(args.out, file)}\n`);
    },
  );
}
