import {
  type CommercetoolsEmulatorOptions,
  type RunningCommercetoolsEmulator,
  startCommercetoolsEmulator,
} from '../../emulators/commercetools/build-emulator.ts';
import {
  type KlaviyoEmulatorOptions,
  type RunningKlaviyoEmulator,
  startKlaviyoEmulator,
} from '../../emulators/klaviyo/build-emulator.ts';
import { localServiceEnv } from '../../emulators/service-env.ts';
import { type Config, loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type RunningService, type ServiceOptions, startService } from '../../src/main.ts';
import { request, waitFor } from './http.ts';

export const KLAVIYO_KEY = 'pk_e2e_test_key';

export function serviceEnv(
  ct: { url: string; projectKey: string },
  klaviyoUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return localServiceEnv(ct, klaviyoUrl, KLAVIYO_KEY, { LOCK_TTL_SECONDS: '3', LOG_LEVEL: 'silent', ...extra });
}

export interface Stack {
  ct: RunningCommercetoolsEmulator;
  klaviyo: RunningKlaviyoEmulator;
  service: RunningService;
  config: Config;
  /** Another service instance sharing the same commercetools project and Klaviyo account. */
  startAnother(options?: ServiceOptions): Promise<RunningService>;
  close(): Promise<void>;
}

export async function startStack(
  options: {
    ct?: CommercetoolsEmulatorOptions;
    klaviyo?: KlaviyoEmulatorOptions;
    env?: Record<string, string>;
    service?: ServiceOptions;
  } = {},
): Promise<Stack> {
  const ct = await startCommercetoolsEmulator(options.ct ?? { dataset: 'tiny' });
  const klaviyo = await startKlaviyoEmulator({ speedUp: 60, ...options.klaviyo });
  const makeConfig = () => loadConfig(serviceEnv(ct, klaviyo.url, options.env), { envFile: false });
  const config = makeConfig();
  const serviceOptions: ServiceOptions = {
    logger: createLogger({ level: 'silent' }),
    saveEveryMs: 50,
    ...options.service,
  };
  const service = await startService(config, serviceOptions);
  const others: RunningService[] = [];
  return {
    ct,
    klaviyo,
    service,
    config,
    async startAnother(extra: ServiceOptions = {}) {
      const s = await startService(makeConfig(), { ...serviceOptions, ...extra });
      others.push(s);
      return s;
    },
    async close() {
      await Promise.all([service, ...others].map((s) => s.close().catch(() => undefined)));
      await Promise.all([ct.close(), klaviyo.close()]);
    },
  };
}

/** Waits until the run of `type` has ended and returns its report. */
export async function waitForRun(serviceUrl: string, type: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await request<any>('GET', `${serviceUrl}/sync/${type}`);
      return r.status === 200 && r.body.status !== 'running' ? r.body : undefined;
    },
    timeoutMs,
    `the ${type} run to end`,
  );
}

export async function emulatorProfiles(klaviyoUrl: string): Promise<any[]> {
  return (await request<any[]>('GET', `${klaviyoUrl}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
}

/** The emulator's spec violations; fails when the emulator does not validate, so "none" can never pass vacuously. */
export async function specViolations(klaviyoUrl: string): Promise<unknown[]> {
  const body = (await request<any>('GET', `${klaviyoUrl}/__emulator/requests?limit=50`)).body;
  if (body.validation?.isOn !== true)
    throw new Error(
      `The Klaviyo emulator at ${klaviyoUrl} does not validate requests: ${body.validation?.warning ?? 'unknown state'}`,
    );
  return body.specViolations;
}
