export { useNotifications } from './use-notifications.js';
export type { NotificationsView } from './use-notifications.js';
