import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { offlineOpenApiDocument } from './openapi';

/** The committed document (`npm run openapi` writes it), as the service serves it at /docs-json. */
const OPENAPI_JSON = resolve(__dirname, '../openapi.json');
/** The client's types of the REST API, generated from that document. */
const CLIENT_SCHEMA = resolve(__dirname, '../../../libs/client/src/openapi-schema.ts');

/** The document as text: two-space JSON, one newline at the end. */
function openApiText(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The client's types, as openapi-typescript makes them of `document`. A schema without
 * properties (a payload: any JSON) becomes `Record<string, unknown>`, not an empty object.
 */
async function clientSchemaText(document: OpenAPIObject): Promise<string> {
  const ast = await openapiTS(document as unknown as OpenAPI3, { emptyObjectsUnknown: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

/** Both files as they should be today, by path. */
async function exportedFiles(): Promise<Map<string, string>> {
  const document = await offlineOpenApiDocument();
  return new Map([
    [OPENAPI_JSON, openApiText(document)],
    [CLIENT_SCHEMA, await clientSchemaText(document)],
  ]);
}

/** `--check`: fails naming the files that differ from what the export writes, writing nothing. */
async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  for (const [path, text] of await exportedFiles()) {
    if (!check) writeFileSync(path, text);
    else if (readFileSync(path, 'utf8') !== text) stale.push(path);
  }
  if (stale.length === 0) return;
  console.error(`Not what \`npm run openapi\` writes today: ${stale.join(', ')}`);
  process.exit(1);
}

if (require.main === module) {
  main(process.argv.includes('--check')).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
