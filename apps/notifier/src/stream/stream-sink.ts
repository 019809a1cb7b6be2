/**
 * Where a stream's bytes go once the head is written: its socket (socket-sink.ts), or the
 * response on a Node whose internals that does not know (response-sink.ts; open-stream-sink.ts
 * chooses). Only what a stream needs of a Node Writable, so a test can hand it a Writable whose
 * buffer it controls. A sink fails by closing: an error (the client reset, a write racing it)
 * destroys it, and its close listener runs.
 */
export interface StreamSink {
  write(chunk: Buffer | string): boolean;
  /** Bytes written but not yet taken by the client. */
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  /** Gone: the client left or it was destroyed. */
  readonly destroyed: boolean;
  /** Ends after flushing what is unsent. */
  end(): void;
  /** Ends at once, dropping what is unsent. */
  destroy(): void;
  /** The one listener of its close, for whichever reason: it runs once. */
  whenClosed(listener: () => void): void;
  on(event: 'drain', listener: () => void): this;
  off(event: 'drain', listener: () => void): this;
}
