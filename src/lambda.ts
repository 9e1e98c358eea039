import { createCommercetoolsApi } from './commercetools/client.ts';
import { loadConfig, type Config } from './config/load-config.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { KlaviyoHttp } from './klaviyo/http.ts';
import { KlaviyoRateLimiter } from './klaviyo/rate-limiter.ts';
import { buildRealtime } from './main.ts';
import { decodeCommercetoolsPayload } from './realtime/envelopes/decode.ts';
import { InvalidNotificationError } from './realtime/notification.ts';

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

/**
 * AWS Lambda entry points for commercetools SQS and EventBridge destinations. SQS uses partial batch
 * responses (enable ReportBatchItemFailures): only the records that failed transiently are redelivered.
 */
export function createLambdaHandlers(config: Config, logger: Logger = createLogger({ level: config.logLevel })) {
  const ct = createCommercetoolsApi(config.commercetools);
  const klaviyo = new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter: new KlaviyoRateLimiter(config.klaviyo.rateLimits), logger, retryBudgetMs: config.realtime.retryBudgetMs, timeoutMs: 20_000 });
  const { dispatcher, deadLetters } = buildRealtime(config, ct, klaviyo, logger);

  async function one(payload: unknown, deliveryId: string): Promise<boolean> {
    let notification;
    try {
      notification = decodeCommercetoolsPayload(payload);
    } catch (e) {
      if (!(e instanceof InvalidNotificationError)) throw e;
      await deadLetters.put({ notificationId: `invalid:${deliveryId}`, reason: e.message, code: 'invalid_notification', payload });
      return true;
    }
    return (await dispatcher.dispatch(notification, { deliveryId })).isAcknowledged;
  }

  return {
    async sqs(event: SqsEvent): Promise<SqsBatchResponse> {
      const failures: Array<{ itemIdentifier: string }> = [];
      for (const record of event.Records) {
        let payload: unknown;
        try {
          payload = JSON.parse(record.body);
        } catch {
          payload = record.body;
        }
        const isDone = await one(payload, record.messageId).catch(() => false);
        if (!isDone) failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    },
    async eventBridge(event: EventBridgeEvent): Promise<{ status: string }> {
      const isDone = await one(event.detail, event.id);
      if (!isDone) throw new Error(`notification ${event.id} failed transiently; EventBridge will retry it`);
      return { status: 'ok' };
    },
  };
}

let handlers: ReturnType<typeof createLambdaHandlers> | undefined;
const lazy = () => (handlers ??= createLambdaHandlers(loadConfig()));

/** `handler` for an SQS-triggered Lambda. */
export const sqsHandler = (event: SqsEvent): Promise<SqsBatchResponse> => lazy().sqs(event);
/** `handler` for an EventBridge-triggered Lambda. */
export const eventBridgeHandler = (event: EventBridgeEvent): Promise<{ status: string }> => lazy().eventBridge(event);
