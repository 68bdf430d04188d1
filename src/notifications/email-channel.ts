import nodemailer from 'nodemailer';
import { WeirError } from '../domain/weir-error.js';
import type { DeliveryTarget, NotificationMessage } from '../store/ports/notification-store.js';
import type { Channel } from './channel.js';

/** SMTP server settings (from WEIR_SMTP_*). */
export interface SmtpSettings {
  host?: string;
  port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  from?: string;
}

/** How long connecting, greeting and each SMTP exchange may take before the attempt fails (and is retried). */
const SMTP_TIMEOUT_MS = 10_000;

/** Email over SMTP with nodemailer; without a host every delivery fails at once, saying how to configure one. */
export function emailChannel(smtp: SmtpSettings): Channel {
  const transport = smtp.host
    ? nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port ?? (smtp.secure ? 465 : 587),
        secure: smtp.secure ?? false,
        auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      })
    : undefined;
  return {
    async send(target: DeliveryTarget, m: NotificationMessage) {
      if (!transport) {
        throw new WeirError('NOTIFICATION.NOT_CONFIGURED', 'Email notifications need an SMTP server: set WEIR_SMTP_HOST (and WEIR_SMTP_PORT, WEIR_SMTP_FROM, WEIR_SMTP_USER/WEIR_SMTP_PASSWORD as needed).');
      }
      const to = target.addresses?.length ? target.addresses : [target.destination];
      try {
        await transport.sendMail({ from: smtp.from ?? 'weir@localhost', to, subject: m.subject, text: m.text });
      } catch (e) {
        const code = (e as { code?: string; responseCode?: number }).responseCode;
        // 5xx SMTP replies (bad recipient, rejected) are permanent; connection problems and 4xx are worth retrying.
        const retryable = code === undefined || code < 500;
        throw new WeirError('NOTIFICATION.DELIVERY_FAILED', `SMTP ${smtp.host}:${smtp.port ?? ''} refused mail to ${to.join(', ')}: ${(e as Error).message}`, { cause: e, retryable });
      }
    },
  };
}
