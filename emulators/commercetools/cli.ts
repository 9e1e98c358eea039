import { parseArgs } from 'node:util';
import { DATASET_SIZES } from '../data/generate.ts';
import { closeOnSignals, exitOnProblems, parseFaultsOption, parsePort } from '../shared/cli-options.ts';
import { DEFAULT_PROJECT_KEY, startCommercetoolsEmulator } from './build-emulator.ts';
import { CONTROL_PREFIX } from './control.ts';

const HELP = `Usage: npm run emulator:commercetools -- [options]

A commercetools API stand-in (@labdigital/commercetools-mock + fidelity layer) on 127.0.0.1.
The same URL serves the API and the OAuth token endpoint: CT_API_URL = CT_AUTH_URL = <url>.

Options:
  --port <n>          port to listen on (default 8802; 0 picks a free one)
  --project <key>     project key (default ${DEFAULT_PROJECT_KEY})
  --dataset <name>    load a generated dataset: ${Object.keys(DATASET_SIZES).join(', ')} (default: none)
  --seed <n>          dataset seed (default: fixed)
  --compress          deflate stored documents (use for 'large')
  --faults <json>     fault rules, e.g. '[{"target":"orders","kind":"status","status":503,"probability":0.1}]'
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8802' },
    project: { type: 'string', default: DEFAULT_PROJECT_KEY },
    dataset: { type: 'string' },
    seed: { type: 'string' },
    compress: { type: 'boolean', default: false },
    faults: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const problems: string[] = [];
const port = parsePort(values.port, problems);
if (values.dataset !== undefined && !(values.dataset in DATASET_SIZES))
  problems.push(`--dataset must be one of ${Object.keys(DATASET_SIZES).join(', ')}`);
if (values.seed !== undefined && !/^\d+$/.test(values.seed)) problems.push('--seed must be a non-negative integer');
const faults = parseFaultsOption(values.faults, problems);
exitOnProblems(problems, HELP);

const started = Date.now();
const ct = await startCommercetoolsEmulator({
  port,
  projectKey: values.project,
  dataset: values.dataset as keyof typeof DATASET_SIZES | undefined,
  seed: values.seed === undefined ? undefined : Number(values.seed),
  compress: values.compress,
  faults,
});
const summary = await (await fetch(`${ct.url}${CONTROL_PREFIX}/summary`)).json();
process.stdout.write(
  `commercetools emulator listening on ${ct.url} (project '${ct.projectKey}', ready in ${Date.now() - started} ms)\n` +
    `  CT_API_URL=${ct.url} CT_AUTH_URL=${ct.url} CT_PROJECT_ID=${ct.projectKey} (any client id/secret)\n` +
    `  data: ${JSON.stringify((summary as { counts: unknown }).counts)}\n`,
);
closeOnSignals(() => ct.close());
