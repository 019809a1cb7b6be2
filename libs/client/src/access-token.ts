/**
 * The user's JWT, or a function that returns the current one (possibly after refreshing it).
 * With a function the client asks for a fresh token whenever it reconnects the stream: the
 * server ends a stream when its token expires.
 */
export type TokenProvider = () => string | Promise<string>;
export type TokenSource = string | TokenProvider;

export function currentToken(source: TokenSource): Promise<string> {
  return Promise.resolve(typeof source === 'string' ? source : source());
}
