import type { JsonAnswer, ServiceApi } from './service-api.js';

/**
 * What the signed-in user lets interrupt them: `push.mutedTypes`, the notification types never
 * pushed (a type, or a prefix ending in `*`). The stream and the inbox still get them.
 */
export type Preferences = JsonAnswer<'/users/me/preferences', 'get', 200>;

/** The preferences REST API of the signed-in user (`/users/me/preferences`). */
export class PreferencesApi {
  constructor(private readonly api: ServiceApi) {}

  read(): Promise<Preferences> {
    return this.api.call({ method: 'get', path: '/users/me/preferences', expected: 200 });
  }

  /** Replaces them all; resolves to what the service stored. */
  replace(preferences: Preferences): Promise<Preferences> {
    return this.api.call({
      method: 'put',
      path: '/users/me/preferences',
      expected: 200,
      body: preferences,
    });
  }
}
