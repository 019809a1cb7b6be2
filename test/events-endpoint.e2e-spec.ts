import type { IncomingHttpHeaders } from 'node:http';
import type { RunningNotifier } from './support/notifier-harness';
import { useNotifier } from './support/notifier-fixture';
import type { SseRecording } from './support/sse-client';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

interface DocumentedParameter {
  name: string;
  in: 'query' | 'header';
}

interface DocumentedResponse {
  headers?: Record<string, { description: string }>;
  content?: Record<string, { schema: { $ref: string } }>;
}

interface DocumentedOperation {
  parameters: DocumentedParameter[];
  responses: Record<string, DocumentedResponse>;
  security: Record<string, string[]>[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, DocumentedOperation>>;
  components: { schemas: Record<string, { required?: string[] }> };
}

const mediaType = (headers: IncomingHttpHeaders) => headers['content-type']?.split(';')[0];

/**
 * `/users/me/events` is answered ahead of the framework, so nothing derives its OpenAPI entry
 * from the code that serves it: this holds the two together.
 */
describe('GET /users/me/events as /docs describes it', () => {
  const { notifier } = useNotifier();
  let operation: DocumentedOperation;
  let schemas: OpenApiDocument['components']['schemas'];

  beforeAll(async () => {
    const document = (await notifier.http<OpenApiDocument>('GET', '/docs-json')).body;
    operation = document.paths['/users/me/events']?.get;
    schemas = document.components.schemas;
  });

  const openAs = (user: string, query = '', headers: Record<string, string> = {}) =>
    notifier.open(`/users/me/events${query}`, {
      Authorization: `Bearer ${notifier.tokenFor(user)}`,
      ...headers,
    });

  /** A request that gets each documented answer. */
  const answers: Record<string, (notifier: RunningNotifier) => Promise<SseRecording>> = {
    200: () => openAs(uniqueUser()),
    400: () => openAs(uniqueUser(), '', { 'Last-Event-ID': 'x' }),
    401: () => notifier.open('/users/me/events'),
    404: async () => {
      const user = uniqueUser();
      await notifier.http('DELETE', `/admin/users/${user}/stream`, { as: 'admin' });
      return openAs(user);
    },
  };

  it('is listed, for signed-in users, with every answer it gives', () => {
    expect(operation).toBeDefined();
    expect(operation.security).toEqual([{ user: [] }]);
    expect(Object.keys(operation.responses).sort()).toEqual(Object.keys(answers).sort());
  });

  it.each(['200', '400', '401', '404'])('answers %s as documented', async (status) => {
    const documented = operation.responses[status];
    const answer = await answers[status](notifier);
    expect(answer.status).toBe(Number(status));
    for (const [name, { description }] of Object.entries(documented.headers ?? {})) {
      expect({ name, value: answer.headers[name.toLowerCase()] }).toEqual({
        name,
        value: description,
      });
    }
    if (documented.content === undefined) return;
    expect(Object.keys(documented.content)).toEqual([mediaType(answer.headers)]);
    const [{ schema }] = Object.values(documented.content);
    const required = schemas[schema.$ref.split('/').pop()!].required ?? [];
    expect(Object.keys(await answer.json()).sort()).toEqual([...required].sort());
  });

  /** How each documented parameter is exercised: a use the endpoint must honour. */
  const parameterUses: Record<string, () => Promise<void>> = {
    'header Last-Event-ID': async () => {
      const refused = await openAs(uniqueUser(), '', { 'Last-Event-ID': '-1' });
      expect(await refused.json()).toMatchObject({ statusCode: 400, message: /Last-Event-ID/ });
    },
    'query lastEventId': async () => {
      const refused = await openAs(uniqueUser(), '?lastEventId=-1');
      expect(await refused.json()).toMatchObject({ statusCode: 400, message: /lastEventId/ });
    },
    'query access_token': async () => {
      const token = notifier.tokenFor(uniqueUser());
      const opened = await notifier.open(`/users/me/events?access_token=${token}`);
      expect(opened.status).toBe(200);
      await waitFor(() => opened.raw.startsWith('retry: '), 'the first frame');
    },
  };

  it('reads every parameter it documents, and documents every one it reads', async () => {
    const documented = operation.parameters.map((parameter) => `${parameter.in} ${parameter.name}`);
    expect(documented.sort()).toEqual(Object.keys(parameterUses).sort());
    for (const use of Object.values(parameterUses)) await use();
  });
});
