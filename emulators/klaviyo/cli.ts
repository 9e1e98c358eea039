import { parseArgs } from 'node:util';
import { closeOnSignals, exitOnProblems, parseFaultsOption, parsePort } from '../shared/cli-options.ts';
import { startKlaviyoEmulator } from './build-emulator.ts';
import { INSPECTION_PREFIX } from './inspect.ts';

const HELP = `Usage: npm run emulator:klaviyo -- [options]

A stateful emulator of the Klaviyo API (revision 2026-07-15) on 127.0.0.1.

Options:
  --port <n>          port to listen on (default 8801; 0 picks a free one)
  --spec <path>       Klaviyo OpenAPI file used to validate requests (default ../shared/klaviyo/...)
  --no-validate       do not validate requests against the OpenAPI file
  --no-rate-limits    do not enforce Klaviyo's published rate limits
  --speed-up <n>      shrink the 1 s / 60 s rate-limit windows by this factor (default 1)
  --jobs <mode>       how bulk jobs progress: time (default) or polls
  --faults <json>     fault rules, e.g. '[{"target":"bulk_import_profiles","kind":"status","status":503,"count":2}]'
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8801' },
    spec: { type: 'string' },
    'no-validate': { type: 'boolean', default: false },
    'no-rate-limits': { type: 'boolean', default: false },
    'speed-up': { type: 'string', default: '1' },
    jobs: { type: 'string', default: 'time' },
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
const speedUp = Number(values['speed-up']);
if (!(speedUp >= 1)) problems.push('--speed-up must be a number >= 1');
if (values.jobs !== 'time' && values.jobs !== 'polls') problems.push("--jobs must be 'time' or 'polls'");
const faults = parseFaultsOption(values.faults, problems);
exitOnProblems(problems, HELP);

const emulator = await startKlaviyoEmulator({
  port,
  specPath: values['no-validate'] ? false : values.spec,
  rateLimits: !values['no-rate-limits'],
  speedUp,
  jobs: { mode: values.jobs as 'time' | 'polls' },
  faults,
});
const spec = emulator.state.spec;
process.stdout.write(
  `Klaviyo emulator listening on ${emulator.url}\n` +
    `  validation: ${spec ? `on (${spec.path}, version ${spec.version})` : 'off'}\n` +
    `  rate limits: ${emulator.state.options.rateLimits ? `on (speed-up ${speedUp})` : 'off'}\n` +
    `  inspect: ${emulator.url}${INSPECTION_PREFIX}/summary\n`,
);
closeOnSignals(() => emulator.close());
