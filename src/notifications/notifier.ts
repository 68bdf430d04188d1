import type { Clock } from '../domain/clock.js';
import type { RunEvent, RunEventListener } from '../executor/run-events.js';
import type { DeliveryTarget, NewDelivery, NotificationMessage, NotificationStore } from '../store/ports/notification-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunRecord } from '../store/records.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { HealthMonitor } from './health-monitor.js';
import { buildMessage } from './message-builder.js';
import { durationTriggers, triggersFor, type Trigger } from './notification-events.js';
import type { Timer } from './timer.js';

/** What the notifier needs. */
export interface NotifierDeps {
  store: NotificationStore;
  queue: DeliveryQueue;
  clock: Clock;
  timer: Timer;
  /** Public base URL of the server, for the run link in every message. */
  baseUrl: () => string;
  /** Task runs, so a job-level failure message names the failed tasks and their errors. */
  runs?: Pick<RunStore, 'listTaskRuns'>;
}

/** Results that make a task worth naming in a job failure message. */
const TASK_FAILURES: ReadonlySet<string> = new Set(['FAILED', 'TIMEDOUT', 'CANCELED']);

/**
 * The entry point the executor calls: turns run events (and duration warnings of health rules) into one
 * persisted delivery per recipient, which the delivery queue sends in the background.
 */
export class Notifier implements RunEventListener {
  private readonly health: HealthMonitor;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly d: NotifierDeps) {
    this.health = new HealthMonitor(d.timer, (run, taskRun) => {
      this.track(this.notify(durationTriggers(run, taskRun), run)).catch((e) => process.emitWarning(`weir notifications: duration warning of run ${run.run_id} failed: ${(e as Error).stack ?? e}`));
    });
  }

  /** Handles one run event; resolves once its deliveries are stored (sending happens later). */
  onRunEvent(e: RunEvent): Promise<void> {
    if (e.type === 'run_started') this.health.runStarted(e.run);
    else if (e.type === 'task_started') this.health.taskStarted(e.run, e.taskRun);
    else if (e.type === 'task_ended') this.health.taskEnded(e.run, e.taskRun, e.lastAttempt);
    else this.health.runEnded(e.run);
    return this.track(this.notify(triggersFor(e), e.run));
  }

  /** Resolves once every event received so far has its deliveries stored (and handed to the queue). */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Disarms health timers and waits for events in flight, so their deliveries are stored before the store closes. */
  async stop(): Promise<void> {
    this.health.stop();
    await this.settled();
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private async notify(triggers: Trigger[], run: RunRecord): Promise<void> {
    const out: NewDelivery[] = [];
    for (const t of triggers) {
      const failedTasks = t.level === 'job' && t.event === 'on_failure' ? await this.failedTasks(run.run_id) : undefined;
      const message = buildMessage({ event: t.event, level: t.level, run, taskRun: t.taskRun, now: this.d.clock.now(), baseUrl: this.d.baseUrl(), failedTasks });
      for (const email of t.emails) out.push(this.delivery(message, { channel: 'EMAIL', destination: email, addresses: [email] }));
      for (const id of t.destinationIds) out.push(...(await this.toDestination(message, id, false)));
      for (const id of t.resolveIds) out.push(...(await this.toDestination(message, id, true)));
    }
    await this.d.queue.enqueue(out);
  }

  private async failedTasks(runId: number): Promise<{ task_key: string; result_state: string | null; error: string | null }[]> {
    const all = (await this.d.runs?.listTaskRuns(runId)) ?? [];
    return all
      .filter((t) => t.is_current && t.parent_task_run_id === null && TASK_FAILURES.has(t.result_state ?? ''))
      .map((t) => ({ task_key: t.task_key, result_state: t.result_state, error: t.error }));
  }

  /** The delivery to a destination id; an unknown id is stored FAILED so the run's delivery list shows why. */
  private async toDestination(message: NotificationMessage, id: string, resolveOnly: boolean): Promise<NewDelivery[]> {
    const dest = await this.d.store.getDestination(id);
    if (!dest) {
      if (resolveOnly) return [];
      const error = `notification destination ${id} (webhook_notifications.${message.event}) does not exist; create it with POST /api/2.0/notification-destinations or fix the id`;
      return [{ ...this.delivery(message, { channel: 'WEBHOOK', destination: id }), state: 'FAILED', last_error: error }];
    }
    // PagerDuty only opens and closes incidents: a start means nothing to it.
    if (dest.destination_type === 'PAGERDUTY' ? message.event === 'on_start' : resolveOnly) return [];
    return [this.delivery(message, { channel: dest.destination_type, destination: id, destination_name: dest.display_name, ...dest.config })];
  }

  private delivery(message: NotificationMessage, target: DeliveryTarget): NewDelivery {
    const now = this.d.clock.now();
    return { run_id: message.run_id, event: message.event, target, message, state: 'PENDING', attempts: 0, next_attempt_time: now, created_time: now, last_error: null };
  }
}

