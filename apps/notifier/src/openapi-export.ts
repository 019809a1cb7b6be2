import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { offlineOpenApiDocument } from './openapi';

/** The committed document, from which libs/client derives its types (`npm run openapi`). */
export const OPENAPI_JSON = resolve(__dirname, '../openapi.json');

/** The document as text: two-space JSON, one newline at the end. */
export function openApiText(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (require.main === module) {
  offlineOpenApiDocument()
    .then((document) => writeFileSync(OPENAPI_JSON, openApiText(document)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
