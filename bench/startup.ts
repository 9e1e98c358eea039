/**
 * `npm run bench -- startup`: how fast the service starts and how much memory it holds idle, running the
 * compiled build (what production runs) against running the TypeScript sources through tsx (what it ran
 * before). Each mode starts a fresh process 7 times; the time is from spawn to the "service listening" log
 * line, the memory is the resident set after 3 s idle. Nothing is contacted: the service listens first.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { localServiceEnv } from '../emulators/service-env.ts';
import { builtService } from '../test/helpers/built-service.ts';

const RUNS = 7;
const env = {
  ...process.env,
  ...localServiceEnv({ url: 'http://127.0.0.1:9', projectKey: 'bench' }, 'http://127.0.0.1:9', 'pk_bench_startup', {
    LOG_LEVEL: 'info',
  }),
};

function rssMB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

async function startOnce(args: string[]): Promise<{ listenMs: number; idleRssMB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const listenMs = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('service listening')) resolve(performance.now() - started);
    });
    child.on('exit', (code) => reject(new Error(`service exited with ${code}:\n${out}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleRssMB = rssMB(child.pid);
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  return { listenMs, idleRssMB };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const modes = { compiled: [builtService()], 'tsx (sources)': ['--import', 'tsx', 'src/main.ts'] };
const result: Record<string, { listenMsMedian: number; listenMs: number[]; idleRssMBMedian: number }> = {};
for (const [mode, args] of Object.entries(modes)) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce(args));
  const listenMs = runs.map((r) => Math.round(r.listenMs));
  result[mode] = { listenMsMedian: median(listenMs), listenMs, idleRssMBMedian: median(runs.map((r) => r.idleRssMB)) };
  process.stdout.write(
    `${mode.padEnd(14)} start ${median(listenMs)} ms (median of ${RUNS}: ${listenMs.join(', ')}), idle RSS ${result[mode].idleRssMBMedian} MB\n`,
  );
}
writeFileSync(
  new URL('results/startup.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: RUNS, ...result }, null, 2)}\n`,
);
