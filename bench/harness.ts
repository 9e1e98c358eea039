import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { localServiceEnv } from '../emulators/service-env.ts';
import { builtService } from '../test/helpers/built-service.ts';

/** The service's environment against local emulators, logging at info so its URL can be read. */
export function benchEnv(
  ct: { url: string; projectKey: string },
  klaviyoUrl: string,
  apiKey: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return { ...process.env, ...localServiceEnv(ct, klaviyoUrl, apiKey, { LOG_LEVEL: 'info', ...extra }) };
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Peak resident memory of the service process so far (VmHWM), in MB. */
  peakRssMB(): number;
  /** Current resident memory (VmRSS), in MB. */
  rssMB(): number;
}

function procStatusMB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024);
}

/** Starts the built service (what production runs) as its own process, so its memory is measured alone, and waits until it listens. */
export function spawnService(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), builtService()],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(buf);
      if (!m) return;
      // Found: the rest of the output is drained, not kept (a log line per notification would pile up).
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      buf = '';
      resolve({
        url: m[1],
        child,
        peakRssMB: () => procStatusMB(child.pid, 'VmHWM'),
        rssMB: () => procStatusMB(child.pid, 'VmRSS'),
      });
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
}
