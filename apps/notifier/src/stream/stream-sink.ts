/**
 * Where a stream's bytes go: its socket once the head is written (see socket-sink.ts). Only
 * what a stream needs of a Node Writable, so a test can hand it a Writable whose buffer it
 * controls.
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
  on(event: 'drain' | 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  off(event: 'drain' | 'close', listener: () => void): this;
}
