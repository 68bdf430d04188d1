import type { NotificationMessage } from '../store/ports/notification-store.js';
import type { Channel } from './channel.js';
import { formatDuration } from './message-builder.js';
import { postJson } from './webhook-channel.js';

const ICONS: Record<string, string> = { on_start: ':arrow_forward:', on_success: ':white_check_mark:', on_failure: ':x:', on_duration_warning_threshold_exceeded: ':hourglass:' };

/** A Slack incoming-webhook body: plain `text` (for notifications) and Block Kit blocks. */
export function slackPayload(m: NotificationMessage): Record<string, unknown> {
  const fields = [
    `*Job*\n${m.job_name}`,
    `*Run*\n<${m.url}|${m.run_id}>`,
    `*State*\n${m.result_state ?? m.life_cycle_state}`,
    `*Duration*\n${m.duration_ms === null ? '-' : formatDuration(m.duration_ms)}`,
    ...(m.task_key === null ? [] : [`*Task*\n${m.task_key}`]),
  ];
  return {
    text: `${ICONS[m.event] ?? ':bell:'} ${m.subject}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${ICONS[m.event] ?? ':bell:'} *${m.subject}*` } },
      { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
      ...(m.error ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Error*\n\`\`\`${m.error.slice(0, 2500)}\`\`\`` } }] : []),
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'View run' }, url: m.url }] },
    ],
  };
}

/** Slack through an incoming webhook URL. */
export const slackChannel: Channel = {
  send: (target, m) => postJson(target.url, slackPayload(m)),
};
