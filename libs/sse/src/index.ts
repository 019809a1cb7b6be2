export { encodeComment, encodeEvent, encodeRetry, SSE_HEADERS } from './wire-format';
export type { SseEvent } from './wire-format';
export { InvalidResumeIdError, isLogId, parseResumeId } from './resume-id';
