import { parseArgs } from 'node:util';
import { closeOnSignals, exitOnProblems, parseFaultsOption, parsePort } from '../shared/cli-options.ts';
import { startKlaviyoEmulator, VALIDATION_OFF_WARNING } from './build-emulator.ts';
import { INSPECTION_PREFIX } from './inspect.ts';
import { SpecUnavailableError } from './spec.ts';

const HELP = `Usage: npm run emulator:klaviyo -- [options]

A stateful emulator of the Klaviyo API (revision 2026-07-15) on 127.0.0.1.

Options:
  --port <n>          port to listen on (default 8801; 0 picks a free one)
  --spec <path>       Klaviyo OpenAPI file (.json or .json.gz) used to validate requests
                      (default: the repository's copy, vendor/klaviyo/openapi-stable-2026-07-15.json.gz)
  --no-validation     do not validate requests against the OpenAPI file (said loudly in the banner and
                      in /__emulator/health; the emulator refuses to start without its file otherwise)
  --no-rate-limits    do not enforce Klaviyo's published rate limits
  --speed-up <n>      shrink the 1 s / 60 s rate-limit windows by this factor (default 1)
  --jobs <mode>       how bulk jobs progress: time (default) or polls
  --job-duration <s>  every bulk job takes this many seconds from creation to complete, whatever its
                      size (queued, then processing with completed_count growing); default: ~0.05 s
  --job-error-pointers <entry|field>
                      entry (default): job errors point at the entry (/data/attributes/profiles/data/3/...);
                      field: at the field only (/data/attributes/email), without original_payload
  --list-unsubscribe <list|global>
                      what an unsubscribe naming a list does to a member of it (email): global (default,
                      Klaviyo's default) unsubscribes everywhere; list unsubscribes from that list only
  --default-opt-in <double_opt_in|single_opt_in>
                      the account's default opt-in process, for lists created without opt_in_process and
                      subscribes naming no list (default double_opt_in, as Klaviyo's)
  --list <id:name>    a list the account has from the start and after every reset, with this id (repeat
                      for more; e.g. --list Y6nRLr:Newsletter for CONSENT_LIST_ID=Y6nRLr); the account's
                      default opt-in process applies to it
  --faults <json>     fault rules, e.g. '[{"target":"bulk_import_profiles","kind":"status","status":503,"count":2}]'
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8801' },
    spec: { type: 'string' },
    'no-validation': { type: 'boolean', default: false },
    'no-rate-limits': { type: 'boolean', default: false },
    'speed-up': { type: 'string', default: '1' },
    jobs: { type: 'string', default: 'time' },
    'job-duration': { type: 'string' },
    'job-error-pointers': { type: 'string', default: 'entry' },
    'list-unsubscribe': { type: 'string', default: 'global' },
    'default-opt-in': { type: 'string', default: 'double_opt_in' },
    list: { type: 'string', multiple: true, default: [] },
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
const errorPointers = values['job-error-pointers'];
if (errorPointers !== 'entry' && errorPointers !== 'field')
  problems.push("--job-error-pointers must be 'entry' or 'field'");
const jobDurationSeconds = values['job-duration'] === undefined ? undefined : Number(values['job-duration']);
if (jobDurationSeconds !== undefined && !(jobDurationSeconds >= 0 && jobDurationSeconds <= 86_400)) {
  problems.push('--job-duration must be a number of seconds between 0 and 86400');
}
const listUnsubscribe = values['list-unsubscribe'];
if (listUnsubscribe !== 'list' && listUnsubscribe !== 'global')
  problems.push("--list-unsubscribe must be 'list' or 'global'");
const defaultOptIn = values['default-opt-in'];
if (defaultOptIn !== 'double_opt_in' && defaultOptIn !== 'single_opt_in')
  problems.push("--default-opt-in must be 'double_opt_in' or 'single_opt_in'");
const faults = parseFaultsOption(values.faults, problems);
const lists = (values.list ?? []).map((spec) => {
  const m = /^([A-Za-z0-9_-]{1,64}):(.+)$/.exec(spec);
  if (!m) problems.push(`--list must be <id>:<name>, e.g. Y6nRLr:Newsletter (got '${spec}')`);
  return { id: m?.[1] ?? '', name: m?.[2] ?? '' };
});
if (values['no-validation'] && values.spec) problems.push('--spec and --no-validation contradict each other: pass one');
exitOnProblems(problems, HELP);

let emulator: Awaited<ReturnType<typeof startKlaviyoEmulator>>;
try {
  emulator = await startKlaviyoEmulator({
    port,
    specPath: values['no-validation'] ? false : values.spec,
    rateLimits: !values['no-rate-limits'],
    speedUp,
    jobs: {
      mode: values.jobs as 'time' | 'polls',
      errorPointers: errorPointers as 'entry' | 'field',
      ...(jobDurationSeconds === undefined ? {} : { durationMs: jobDurationSeconds * 1000 }),
    },
    listUnsubscribe: listUnsubscribe as 'list' | 'global',
    defaultOptIn: defaultOptIn as 'double_opt_in' | 'single_opt_in',
    lists,
    faults,
  });
} catch (e) {
  if (!(e instanceof SpecUnavailableError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
const spec = emulator.state.spec;
process.stdout.write(
  `Klaviyo emulator listening on ${emulator.url}\n` +
    (spec
      ? `  validation: on (${spec.path}, version ${spec.version})\n`
      : `\n  !!! ${VALIDATION_OFF_WARNING} !!!\n\n`) +
    `  rate limits: ${emulator.state.options.rateLimits ? `on (speed-up ${speedUp})` : 'off'}\n` +
    `  bulk jobs: ${jobDurationSeconds === undefined ? 'fast (~0.05 s)' : `${jobDurationSeconds} s each`}\n` +
    `  inspect: ${emulator.url}${INSPECTION_PREFIX}/summary\n`,
);
closeOnSignals(() => emulator.close());
