import type { Clock } from '../domain/clock.js';
import type { NotificationStore } from '../store/ports/notification-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { ChannelSet } from './channel.js';
import { DeliveryQueue, type RetryPolicy } from './delivery-queue.js';
import { Destinations } from './destinations.js';
import { emailChannel, type SmtpSettings } from './email-channel.js';
import { Notifier } from './notifier.js';
import { pagerDutyChannel } from './pagerduty-channel.js';
import { slackChannel } from './slack-channel.js';
import { teamsChannel } from './teams-channel.js';
import { clockTimer, type Timer } from './timer.js';
import { webhookChannel } from './webhook-channel.js';

/** Settings of the notification system. */
export interface NotificationOptions {
  store: NotificationStore;
  clock: Clock;
  /** Defaults to real timers measured on `clock`. */
  timer?: Timer;
  smtp: SmtpSettings;
  pagerDutyEventsUrl: string;
  baseUrl: () => string;
  retry?: Partial<RetryPolicy>;
  /** Task runs, for naming failed tasks in job failure messages. */
  runs?: Pick<RunStore, 'listTaskRuns'>;
  /** False: deliveries are stored but this process does not send them (scale-out: see sendWhileLeader). */
  startQueue?: boolean;
}

/** The running notification system: pass `notifier` to the executor, `destinations` and `store` to the API. */
export interface Notifications {
  store: NotificationStore;
  destinations: Destinations;
  queue: DeliveryQueue;
  notifier: Notifier;
  /** Stops health timers and the delivery worker; pending deliveries stay stored for the next start. */
  stop(): Promise<void>;
}

/** One channel per destination type. */
export function defaultChannels(smtp: SmtpSettings, pagerDutyEventsUrl: string): ChannelSet {
  return { EMAIL: emailChannel(smtp), WEBHOOK: webhookChannel, SLACK: slackChannel, MICROSOFT_TEAMS: teamsChannel, PAGERDUTY: pagerDutyChannel(pagerDutyEventsUrl) };
}

/** Wires destinations, channels, the delivery queue and the notifier, and starts the queue. */
export function createNotifications(o: NotificationOptions): Notifications {
  const timer = o.timer ?? clockTimer(o.clock);
  const queue = new DeliveryQueue({ store: o.store, channels: defaultChannels(o.smtp, o.pagerDutyEventsUrl), clock: o.clock, timer, retry: o.retry });
  const notifier = new Notifier({ store: o.store, queue, clock: o.clock, timer, baseUrl: o.baseUrl, runs: o.runs });
  if (o.startQueue ?? true) queue.start();
  return {
    store: o.store,
    destinations: new Destinations(o.store, o.clock),
    queue,
    notifier,
    async stop() {
      await notifier.stop();
      await queue.stop();
    },
  };
}
