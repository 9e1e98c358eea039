import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Field names that may hold personal data or secrets. Log calls carry ids and counts only; this list is the
 * second line of defence should a payload ever reach a log line.
 */
export const REDACTED_PATHS = [
  'email',
  '*.email',
  'phone',
  '*.phone',
  'phone_number',
  '*.phone_number',
  'mobile',
  '*.mobile',
  'firstName',
  '*.firstName',
  'lastName',
  '*.lastName',
  'first_name',
  '*.first_name',
  'last_name',
  '*.last_name',
  'address',
  '*.address',
  'location',
  '*.location',
  'streetName',
  '*.streetName',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'password',
  '*.password',
  'body',
  '*.body',
  'payload',
  '*.payload',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'ct-klaviyo-sync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything (tests of pure pieces). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
