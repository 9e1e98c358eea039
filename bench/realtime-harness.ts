/**
 * What the real-time burst benchmarks (`realtime-burst`, `realtime-customers`) share: the service processes
 * (profiled or not), the Pub/Sub pushes C in flight with redelivery, a sampler of what landed in Klaviyo every
 * second, CPU accounting, the acknowledgement percentiles, the emulator's request counts, the CPU profile
 * summary and where results are written. Not a benchmark itself (`run.ts` skips `*harness.ts`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ServiceProcess, spawnService } from './harness.ts';

export type R = Record<string, any>;

export const PUSH_TOKEN = 'bench-push-token-0123456789';
/** The service's rate limiter counts a 61 s minute window. */
export const WINDOW_S = 61;

export const out = (s: string) => process.stdout.write(`${s}\n`);

/**
 * Starts `count` service processes with `env`; with `profileName`, each writes a CPU profile into a directory of
 * its own (read with `topOfProfiles`).
 */
export async function startServices(
  count: number,
  env: NodeJS.ProcessEnv,
  profileName?: string,
): Promise<{ services: ServiceProcess[]; profileDir?: string }> {
  let profileDir: string | undefined;
  if (profileName) {
    profileDir = join(tmpdir(), `${profileName}-prof-${process.pid}`);
    mkdirSync(profileDir, { recursive: true });
    // Node refuses --cpu-prof in NODE_OPTIONS; the harness passes these flags to the service's node.
    process.env.BENCH_NODE_FLAGS =
      `${process.env.BENCH_NODE_FLAGS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();
  }
  const services: ServiceProcess[] = [];
  // The harness keeps every line the service prints only until its URL is known; a log line per notification
  // is then read and dropped.
  for (let s = 0; s < count; s++) services.push(await spawnService(env));
  return { services, profileDir };
}

/** SIGTERM to every service, then waits until each has exited (a CPU profile is written on exit). */
export async function stopServices(services: ServiceProcess[]): Promise<void> {
  for (const s of services) s.child.kill('SIGTERM');
  await Promise.all(
    services.map((s) =>
      s.child.exitCode !== null ? undefined : new Promise((resolve) => s.child.once('exit', resolve)),
    ),
  );
}

function cpuSecondsOf(pid: number | undefined): number {
  // utime + stime, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4];
  return (ticks.reduce((a, b) => a + b, 0) - idle) / 100;
}

/** CPU used from now on by the services, this process (emulators and pushing client) and the machine. */
export function cpuMeter(services: ServiceProcess[]): { read(seconds: number): R } {
  const service0 = services.map((s) => cpuSecondsOf(s.child.pid));
  const own0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  return {
    read(seconds) {
      const serviceSeconds = services.map((s, k) => cpuSecondsOf(s.child.pid) - service0[k]);
      const own = process.cpuUsage(own0);
      const ownSeconds = (own.user + own.system) / 1e6;
      const machineSeconds = machineBusySeconds() - machine0;
      const cores = (s: number) => Math.round((s / seconds) * 100) / 100;
      return {
        serviceSeconds: serviceSeconds.map((c) => Math.round(c * 10) / 10),
        serviceCores: serviceSeconds.map(cores),
        benchProcessCores: cores(ownSeconds),
        machineCoresBusy: cores(machineSeconds),
        // Anything else on the machine meanwhile (it is shared): what the figures above had to make room for.
        otherCores: cores(Math.max(0, machineSeconds - ownSeconds - serviceSeconds.reduce((a, b) => a + b, 0))),
      };
    },
  };
}

/**
 * One Pub/Sub push per item, `concurrency` in flight, spread over the services in turn; a push answered
 * otherwise than 2xx (or not at all) is sent again after 1 s, as Pub/Sub redelivers, until acknowledged.
 * The counters can be read while it runs.
 */
export class PushBurst {
  readonly ackMs: Float64Array;
  readonly statuses: Record<string, number> = {};
  readonly redeliveriesByStatus: Record<string, number> = {};
  redeliveries = 0;
  networkErrors = 0;
  acknowledged = 0;
  /** Seconds from the start until the last item was first sent. */
  lastSentSeconds = 0;
  private next = 0;
  private readonly agent: Agent;

  constructor(
    private readonly o: {
      count: number;
      concurrency: number;
      services: ServiceProcess[];
      /** The push body of item i (its message id stays the same on redelivery). */
      body: (i: number) => string;
      /** Called once per acknowledged item with the service's `status` (`applied`, `ignored`, …). */
      onAcknowledged?: (i: number, status: string) => void;
    },
  ) {
    this.ackMs = new Float64Array(o.count);
    this.agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  }

  async run(started: number): Promise<void> {
    const { count, services } = this.o;
    await Promise.all(
      Array.from({ length: this.o.concurrency }, async () => {
        while (this.next < count) {
          const i = this.next++;
          if (i === count - 1) this.lastSentSeconds = (Date.now() - started) / 1000;
          await this.push(i, services[i % services.length]);
        }
      }),
    );
    this.agent.destroy();
  }

  private async push(i: number, service: ServiceProcess): Promise<void> {
    const body = this.o.body(i);
    const t0 = performance.now();
    for (;;) {
      let status = 0;
      let answer: { status?: string } = {};
      try {
        const res = await this.post(service.url, body);
        status = res.status;
        answer = JSON.parse(res.text) as { status?: string };
      } catch {
        this.networkErrors++;
      }
      if (status >= 200 && status < 300) {
        this.ackMs[i] = performance.now() - t0;
        const s = answer.status ?? String(status);
        this.statuses[s] = (this.statuses[s] ?? 0) + 1;
        this.o.onAcknowledged?.(i, s);
        this.acknowledged++;
        return;
      }
      // Pub/Sub redelivers an unacknowledged push (with backoff): the same message, the same body.
      this.redeliveries++;
      const key = `${status}${answer.status ? ` ${answer.status}` : ''}`;
      this.redeliveriesByStatus[key] = (this.redeliveriesByStatus[key] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /**
   * One POST /events/pubsub over a kept-alive connection. node:http, not fetch: with 2,048 pushes in flight,
   * fetch's web streams, abort signals and pool bookkeeping doubled this process's CPU per push (1.1 ms
   * against 0.5 ms, both emulators included) and made the client, not the service, the bound of
   * `realtime-customers` (~800 against ~1,400 profiles/s).
   */
  private post(serviceUrl: string, body: string): Promise<{ status: number; text: string }> {
    const url = new URL(serviceUrl);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          host: url.hostname,
          port: url.port,
          path: '/events/pubsub',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${PUSH_TOKEN}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** p50/p90/p99/max of first send → 2xx, in ms. */
  ackLatencyMs(): { p50: number; p90: number; p99: number; max: number } {
    const sorted = Array.from(this.ackMs).sort((a, b) => a - b);
    const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
    return { p50: pct(50), p90: pct(90), p99: pct(99), max: Math.round(sorted[sorted.length - 1] ?? 0) };
  }
}

/**
 * Samples what landed in Klaviyo every second (`landed`) from `started`, and every 15 s prints a progress
 * line (`describe`) with the services' current RSS, which it also keeps.
 */
export function startSampler(o: {
  started: number;
  services: ServiceProcess[];
  landed: () => Promise<number>;
  describe: (landed: number) => string | Promise<string>;
}): { samples: Array<[number, number]>; rssSamplesMB: number[]; stop(): void } {
  const samples: Array<[number, number]> = [];
  const rssSamplesMB: number[] = [];
  let lastPrint = o.started;
  const timer = setInterval(() => {
    void o.landed().then(async (n) => {
      const t = (Date.now() - o.started) / 1000;
      samples.push([t, n]);
      if (Date.now() - lastPrint < 15_000) return;
      lastPrint = Date.now();
      const rss = Math.max(...o.services.map((x) => (x.child.exitCode === null ? x.rssMB() : 0)));
      rssSamplesMB.push(rss);
      out(`  ${Math.round(t)} s: ${await o.describe(n)}, RSS ${rss} MB`);
    });
  }, 1_000);
  return { samples, rssSamplesMB, stop: () => clearInterval(timer) };
}

/**
 * The rate between the first sample at or after `fromS` and the last at or before `toS`; undefined when the
 * samples do not reach `toS` or span less than `minSpanS` seconds.
 */
export function rateBetween(
  samples: Array<[number, number]>,
  fromS: number,
  toS: number,
  minSpanS = 1,
): number | undefined {
  if ((samples.at(-1)?.[0] ?? 0) < toS) return undefined;
  const a = samples.find(([t]) => t >= fromS);
  const b = samples.findLast(([t]) => t <= toS);
  if (!a || !b || b[0] - a[0] < minSpanS) return undefined;
  return (b[1] - a[1]) / (b[0] - a[0]);
}

export interface KlaviyoRequests {
  total: number;
  byOperation: Record<string, { count: number; byStatus: Record<string, number> }>;
  throttled: number;
  specViolationCount: number;
  /** The last `recent` requests (at most the emulator's log size, 5,000). */
  recent: Array<{ operationId: string | null; status: number; durationMs: number }>;
}

/**
 * What the Klaviyo emulator received: requests by operation and status, throttled answers, spec violations,
 * and the last `recent` requests.
 */
export async function klaviyoRequests(klaviyoUrl: string, recent = 1): Promise<KlaviyoRequests> {
  return (await (await fetch(`${klaviyoUrl}/__emulator/requests?limit=${recent}`)).json()) as KlaviyoRequests;
}

export interface BurstArgs {
  /** Items (orders, customers) to push, one notification each. */
  count: number;
  concurrency: number;
  serviceCount: number;
  isProfiled: boolean;
}

/**
 * `--<countOption> N --concurrency C --services S --profile` (N defaults to 100,000, C to 2,048, S to 1), and
 * the suffix of the results file naming what differs from those defaults.
 */
export function burstArgs(countOption: string): BurstArgs & { resultSuffix: string } {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      [countOption]: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '2048' },
      services: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
    },
  });
  const a: BurstArgs = {
    count: Number(values[countOption]),
    concurrency: Number(values.concurrency),
    serviceCount: Number(values.services),
    isProfiled: values.profile === true,
  };
  const resultSuffix = [
    a.concurrency !== 2048 ? `c${a.concurrency}` : '',
    a.count !== 100_000 ? `n${a.count}` : '',
    a.serviceCount > 1 ? `services${a.serviceCount}` : '',
    a.isProfiled ? 'profile' : '',
  ]
    .filter(Boolean)
    .join('-');
  return { ...a, resultSuffix };
}

/** Prints the result and writes it to `bench/results/<name>[-<suffix>].json`. */
export function writeResult(name: string, suffix: string, result: R): void {
  out(JSON.stringify(result, null, 2));
  writeFileSync(
    new URL(`./results/${name}${suffix ? `-${suffix}` : ''}.json`, import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** The functions of the service's CPU profile(s) in `dir` with the most self time, and self time by package. */
export function topOfProfiles(dir: string): R {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
  rmSync(dir, { recursive: true, force: true });
  return summarizeProfiles(profiles);
}

/**
 * Profiles this process (the emulators and the pushing client) from now until the function returned is
 * called, which gives its top functions by self time and self time by package or folder.
 */
export async function profileThisProcess(): Promise<() => Promise<R>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return summarizeProfiles([profile as CpuProfile]);
  };
}

function summarizeProfiles(profiles: CpuProfile[]): R {
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    p.samples.forEach((id, k) => {
      const us = p.timeDeltas[k] ?? 0;
      const f = byId.get(id);
      if (!f) return;
      totalUs += us;
      const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
      const name =
        `${f.functionName || '(anonymous)'} ${where ? `${where.replace(/^.*\/((dist|emulators|src|bench|test)\/)/, '$1')}:${f.lineNumber + 1}` : ''}`.trim();
      self.set(name, (self.get(name) ?? 0) + us);
      const area = !f.url
        ? f.functionName.startsWith('(')
          ? f.functionName
          : '(native / V8)'
        : f.url.startsWith('node:')
          ? 'node internals'
          : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ??
            (/\/dist\/src\//.test(f.url)
              ? 'service code (dist/src)'
              : (/\/((?:emulators|src|test)\/[^/]+|bench)\//.exec(f.url)?.[1] ?? f.url)));
      byArea.set(area, (byArea.get(area) ?? 0) + us);
    });
  }
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 10;
  return {
    sampledSeconds: Math.round(totalUs / 1e5) / 10,
    topSelfTime: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([fn, us]) => ({ fn, percent: share(us) })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([area, us]) => ({ area, percent: share(us) })),
  };
}
