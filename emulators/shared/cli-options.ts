import { type FaultRule, parseFaultRules } from './faults.ts';

/** Option checks both emulator command lines share; each problem is collected, not thrown. */
export function parsePort(value: string, problems: string[]): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push('--port must be an integer between 0 and 65535');
  return port;
}

export function parseFaultsOption(value: string | undefined, problems: string[]): FaultRule[] {
  try {
    return parseFaultRules(value);
  } catch (e) {
    problems.push(`--faults: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}

/** Prints every problem with the help text and exits 1, or returns when there is none. */
export function exitOnProblems(problems: string[], help: string): void {
  if (!problems.length) return;
  process.stderr.write(`Invalid options:\n  - ${problems.join('\n  - ')}\n\n${help}`);
  process.exit(1);
}

/** Closes the emulator on Ctrl-C or SIGTERM. */
export function closeOnSignals(close: () => Promise<void>): void {
  const stop = () => {
    void close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
