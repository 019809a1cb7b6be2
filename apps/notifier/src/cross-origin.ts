import cors from 'cors';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A step that sets headers on an answer, as Express middleware does. */
export type ResponseStep = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Pages on the exact origins of CORS_ORIGINS may call the API and open the stream with the
 * user's cookie. It runs before any route (in Express and in the stream's endpoint), right
 * after the check that the URL decodes, so error answers carry the headers too and the page
 * can read its 401 or 404 (not the 400 of a URL that does not decode); the stream's
 * head keeps the headers set on its response. It answers preflight requests itself.
 */
export function crossOrigin(origins: readonly string[]): ResponseStep {
  const allowed = new Set(origins);
  const applyCors = cors({
    // `false` makes `cors` add no header at all, credentials and preflight answers included.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    // Last-Event-ID: a front end reading the stream with fetch sets its resume point itself.
    allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
    // Browsers cap this (Chromium at 2 hours); it spares a preflight before most requests.
    maxAge: 600,
  });
  return (request, response, next) => {
    // Every answer depends on Origin, also one without CORS headers: caches must key on it.
    // Nothing before this step sets Vary, and `cors` appends to it.
    response.setHeader('Vary', 'Origin');
    applyCors(request, response, next);
  };
}
