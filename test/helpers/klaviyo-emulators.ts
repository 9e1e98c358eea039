import { afterEach } from 'vitest';
import {
  type KlaviyoEmulatorOptions,
  type RunningKlaviyoEmulator,
  startKlaviyoEmulator,
} from '../../emulators/klaviyo/build-emulator.ts';

/** A Klaviyo emulator per test, on a loopback port of its own, closed after each test of the file. */
export function klaviyoEmulators(
  defaults: KlaviyoEmulatorOptions = {},
): (options?: KlaviyoEmulatorOptions) => Promise<RunningKlaviyoEmulator> {
  const running: RunningKlaviyoEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
  });
  return async (options = {}) => {
    const e = await startKlaviyoEmulator({ ...defaults, ...options });
    running.push(e);
    return e;
  };
}
