import type { ChannelType, DeliveryTarget, NotificationMessage } from '../store/ports/notification-store.js';

/** Sends one message to one target; throws a WeirError (retryable or not) when it could not. */
export interface Channel {
  send(target: DeliveryTarget, message: NotificationMessage): Promise<void>;
}

/** One channel per kind. */
export type ChannelSet = Readonly<Record<ChannelType, Channel>>;
