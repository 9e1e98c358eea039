import type { Notification } from './notification.ts';
import { ignored, type Processor, type ProcessorContext, type ProcessResult } from './processor.ts';

/**
 * Routes a notification to the processor of its resource type. Notifications of another project (or of none),
 * test messages, Events, unknown payloads and switched-off processors are ignored; a processor's error is thrown
 * as it is (the intake decides what to do). Processors take a notification as a hint: they act on the resource
 * as commercetools has it now.
 */
export class Dispatcher {
  constructor(
    private readonly processors: Processor[],
    private readonly context: ProcessorContext,
    private readonly disabled: ReadonlySet<string>,
  ) {}

  async dispatch(n: Notification): Promise<ProcessResult> {
    if (n.kind === 'test') return ignored('subscription test message acknowledged');
    if (n.projectKey !== this.context.projectKey)
      return ignored(
        n.projectKey === undefined ? 'the notification names no project' : 'the notification is of another project',
      );
    if (n.kind === 'unknown' || n.kind === 'event')
      return ignored(`notification type ${n.type ?? n.kind} is not synced`);
    const processor = this.processors.find((p) => p.handles(n));
    if (!processor) return ignored(`no processor for ${n.resourceType}`);
    if (this.disabled.has(processor.name)) return ignored(`processor ${processor.name} is switched off`);
    return processor.process(n, this.context);
  }
}
