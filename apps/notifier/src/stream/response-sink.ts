import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { StreamSink } from './stream-sink';

/**
 * The stream written through Node's documented response API, for a Node whose HTTP internals
 * takeOverSocket does not know: the same bytes on the wire (the head with `Connection: close`
 * and no chunked encoding, then the frames as they are), at the cost of keeping the request,
 * the response and what hangs off them for as long as the stream is open.
 */
export class ResponseSink implements StreamSink {
  private corked = false;

  constructor(
    private readonly response: ServerResponse,
    headers: OutgoingHttpHeaders,
  ) {
    // A failed write (the client reset) destroys the response, whose close follows.
    response.on('error', () => response.destroy());
    // Without Transfer-Encoding or Content-Length, HTTP/1.1 ends the body with the connection.
    response.removeHeader('Transfer-Encoding');
    response.writeHead(200, { ...headers, Connection: 'close' });
    response.flushHeaders();
  }

  /** As the socket sink: what one tick writes leaves in one `writev`. */
  write(chunk: Buffer | string): boolean {
    if (this.response.destroyed || this.response.writableEnded) return false;
    if (!this.corked) {
      this.corked = true;
      this.response.cork();
      process.nextTick(() => {
        this.corked = false;
        this.response.uncork();
      });
    }
    return this.response.write(chunk);
  }

  get writableLength(): number {
    return this.response.writableLength;
  }

  get writableNeedDrain(): boolean {
    return this.response.writableNeedDrain;
  }

  get destroyed(): boolean {
    return this.response.destroyed;
  }

  end(): void {
    this.response.end();
  }

  destroy(): void {
    this.response.destroy();
  }

  whenClosed(listener: () => void): void {
    this.response.once('close', listener);
  }

  on(event: 'drain', listener: () => void): this {
    this.response.on(event, listener);
    return this;
  }

  off(event: 'drain', listener: () => void): this {
    this.response.off(event, listener);
    return this;
  }
}
