/**
 * This lib is also loaded where no path alias resolves (the TypeORM CLI, Jest's global setup),
 * so its files reach the shared names through this one relative import.
 */
export {
  lockKeys,
  MAX_PAYLOAD_BYTES,
  NOTIFICATION_TYPE_PATTERN,
  TRACEPARENT_PATTERN,
} from '../../postgres-objects/src';
