import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_SIZES, type DatasetName, generateDataset } from './generate.ts';

const HELP = `Usage: npm run data:export -- --dataset <${Object.keys(DATASET_SIZES).join('|')}> --out <dir> [--seed n]

Writes the generated commercetools dataset as NDJSON, one file per resource type (customers.ndjson, ...).
`;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'small' },
    out: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || !values.out) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 1);
}
if (!(values.dataset in DATASET_SIZES)) {
  process.stderr.write(`--dataset must be one of ${Object.keys(DATASET_SIZES).join(', ')}\n`);
  process.exit(1);
}

mkdirSync(values.out, { recursive: true });
const files = new Map<string, WriteStream>();
const counts: Record<string, number> = {};
for (const record of generateDataset({
  size: values.dataset as DatasetName,
  seed: values.seed === undefined ? undefined : Number(values.seed),
})) {
  let out = files.get(record.typeId);
  if (!out) {
    out = createWriteStream(join(values.out, `${record.typeId}.ndjson`));
    files.set(record.typeId, out);
  }
  counts[record.typeId] = (counts[record.typeId] ?? 0) + 1;
  if (!out.write(`${JSON.stringify(record.resource)}\n`)) await once(out, 'drain');
}
await Promise.all([...files.values()].map((f) => new Promise((resolve) => f.end(resolve))));
process.stdout.write(`Wrote ${values.out}: ${JSON.stringify(counts)}\n`);
