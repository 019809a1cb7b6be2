import { currentToken, type TokenSource } from './access-token.js';
import type { paths } from './openapi-schema.js';

type Path = keyof paths;
type Method = 'get' | 'post' | 'put' | 'delete';

/** The JSON that `path` answers to `method` with `status`, as the service's OpenAPI document says. */
export type JsonAnswer<P extends Path, M extends Method, S extends number> = paths[P][M] extends {
  responses: { [status in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : undefined;

/** The JSON body that `path` takes with `method`. */
type JsonBody<P extends Path, M extends Method> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer T } };
}
  ? T
  : never;

export interface ApiRequest<P extends Path, M extends Method, S extends number> {
  method: M;
  /** As the document names it; `{name}` parts are filled from `params`. */
  path: P;
  /** The one status that means success; any other throws a NotifierApiError. */
  expected: S;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: JsonBody<P, M>;
}

/** The service answered something other than what the call expects. */
export class NotifierApiError extends Error {
  constructor(
    /** 401: the token was refused (sign in again); 404 on push calls: push is off. */
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`The notifier answered ${status}${describe(body)}`);
  }
}

/** The service's REST API for the signed-in user: the token always in the Authorization header. */
export class ServiceApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource,
  ) {}

  async call<P extends Path, M extends Method, S extends number>(
    request: ApiRequest<P, M, S>,
  ): Promise<JsonAnswer<P, M, S>> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await currentToken(this.token)}`,
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(this.urlOf(request), {
      method: request.method.toUpperCase(),
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const body = await bodyOf(response);
    if (response.status !== request.expected) throw new NotifierApiError(response.status, body);
    return body as JsonAnswer<P, M, S>;
  }

  private urlOf({ path, params = {}, query }: ApiRequest<Path, Method, number>): string {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new TypeError(`No value for {${name}} in ${path}`);
      return encodeURIComponent(value);
    });
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.baseUrl}${filled}${search}`;
  }
}

/** JSON when the answer says so; an edge's HTML error page stays text. */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  const json = response.headers.get('Content-Type')?.includes('application/json');
  return json ? JSON.parse(text) : text;
}

/** The error body's message, when it has one: the service names the field at fault. */
function describe(body: unknown): string {
  if (typeof body !== 'object' || body === null || !('message' in body)) return '';
  const { message } = body;
  return `: ${Array.isArray(message) ? message.join('; ') : String(message)}`;
}
