import type {
  ClosedReason,
  ConnectionStatus,
  Notification,
  ReadChange,
  ResetNotice,
} from './notification.js';

/**
 * What the leading tab shares over BroadcastChannel, and what every tab applies to itself:
 * the leader applies its own stream's messages exactly as followers apply the shared ones.
 */
export type TabMessage =
  | { kind: 'notification'; notification: Notification }
  | { kind: 'read'; change: ReadChange }
  | { kind: 'reset'; notice: ResetNotice }
  | { kind: 'status'; status: ConnectionStatus; reason?: ClosedReason }
  /** A tab that just started asks the leader for its status. */
  | { kind: 'hello' };
