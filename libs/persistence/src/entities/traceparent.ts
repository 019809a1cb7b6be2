/** W3C Trace Context `traceparent`, version 00: the only form a CHECK lets into the tables. */
export const W3C_TRACEPARENT = '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';
