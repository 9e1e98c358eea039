import { createCommercetoolsApi } from './commercetools/client.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { inParallel } from './core/in-parallel.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { KlaviyoRateLimiter } from './klaviyo/rate-limiter.ts';
import { createRealtime } from './realtime/create-realtime.ts';
import { RedeliveryRequestedError } from './realtime/intake.ts';

export interface SqsEvent {
  Records: Array<{ messageId: string; body: string }>;
}

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface EventBridgeEvent {
  id: string;
  'detail-type'?: string;
  detail: unknown;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    // Not JSON: the intake keeps it as a dead letter.
    return body;
  }
}

/**
 * AWS Lambda entry points for commercetools SQS and EventBridge destinations, over the same intake as the HTTP
 * endpoint. SQS uses partial batch responses (enable ReportBatchItemFailures): only the records that must be
 * redelivered are reported.
 */
export function createLambdaHandlers(config: Config, logger: Logger = createLogger({ level: config.logLevel })) {
  const ct = createCommercetoolsApi(config.commercetools);
  const { intake, profileJobs } = createRealtime(config, ct, new KlaviyoRateLimiter(config.klaviyo.rateLimits), logger);
  // A Lambda is frozen between invocations: profile jobs are finished within the invocation that submitted them
  // when they complete in time, and otherwise by a later invocation's sweep once their lease has run out.
  let lastSweepMs = 0;
  const sweepNow = async () => {
    if (Date.now() - lastSweepMs < PROFILE_JOB_SWEEP_MS) return;
    lastSweepMs = Date.now();
    await profileJobs
      .sweep()
      .catch((e: unknown) =>
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not look for unfinished profile jobs'),
      );
  };

  return {
    async sqs(event: SqsEvent): Promise<SqsBatchResponse> {
      // The batch's records are handled together, so their events share bulk requests (the event coalescer);
      // the partial batch failures name exactly the records not acknowledged.
      const failures: Array<{ itemIdentifier: string }> = [];
      await sweepNow();
      await inParallel(event.Records, SQS_CONCURRENCY, async (record) => {
        const result = await intake
          .receive({ body: parseBody(record.body), envelope: 'platform', deliveryId: record.messageId })
          .catch(() => undefined);
        if (!result?.isAcknowledged) failures.push({ itemIdentifier: record.messageId });
      });
      await profileJobs.settle(PROFILE_JOB_SETTLE_MS);
      return { batchItemFailures: failures };
    },
    async eventBridge(event: EventBridgeEvent): Promise<{ status: string }> {
      await sweepNow();
      const result = await intake.receive({ body: event.detail, envelope: 'platform', deliveryId: event.id });
      await profileJobs.settle(PROFILE_JOB_SETTLE_MS);
      if (!result.isAcknowledged) throw new RedeliveryRequestedError(event.id, result.detail, 'EventBridge');
      return { status: 'ok' };
    },
  };
}

/** How often an invocation looks for profile jobs left unfinished, and how long it waits for its own. */
const PROFILE_JOB_SWEEP_MS = 60_000;
const PROFILE_JOB_SETTLE_MS = 10_000;

/** SQS records of one batch handled at once (a batch can hold up to 10,000 with a batching window). */
const SQS_CONCURRENCY = 64;

let handlers: ReturnType<typeof createLambdaHandlers> | undefined;
const lazy = () => {
  handlers ??= createLambdaHandlers(loadConfig());
  return handlers;
};

/** `handler` for an SQS-triggered Lambda. */
export const sqsHandler = (event: SqsEvent): Promise<SqsBatchResponse> => lazy().sqs(event);
/** `handler` for an EventBridge-triggered Lambda. */
export const eventBridgeHandler = (event: EventBridgeEvent): Promise<{ status: string }> => lazy().eventBridge(event);
