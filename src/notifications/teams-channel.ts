import type { NotificationMessage } from '../store/ports/notification-store.js';
import type { Channel } from './channel.js';
import { formatDuration } from './message-builder.js';
import { postJson } from './webhook-channel.js';

const COLORS: Record<string, string> = { on_success: '2EB886', on_failure: 'D00000', on_duration_warning_threshold_exceeded: 'FFA500' };

/** A Microsoft Teams connector MessageCard with the run's facts and a button to the run page. */
export function teamsPayload(m: NotificationMessage): Record<string, unknown> {
  const facts = [
    { name: 'Job', value: m.job_name },
    { name: 'Run', value: `${m.run_name} (${m.run_id})` },
    ...(m.task_key === null ? [] : [{ name: 'Task', value: m.task_key }]),
    { name: 'State', value: m.result_state ?? m.life_cycle_state },
    { name: 'Duration', value: m.duration_ms === null ? '-' : formatDuration(m.duration_ms) },
    ...(m.error ? [{ name: 'Error', value: m.error.slice(0, 2000) }] : []),
  ];
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: m.subject,
    themeColor: COLORS[m.event] ?? '0076D7',
    title: m.subject,
    sections: [{ facts }],
    potentialAction: [{ '@type': 'OpenUri', name: 'View run', targets: [{ os: 'default', uri: m.url }] }],
  };
}

/** Microsoft Teams through an incoming webhook URL. */
export const teamsChannel: Channel = {
  send: (target, m) => postJson(target.url, teamsPayload(m)),
};
