import { Header } from '@nestjs/common';

/**
 * JSON that the service wrote itself, around payloads spliced in as Postgres stores them: a
 * route returns it as its body, unchanged, where an object would go through JSON.parse and
 * JSON.stringify and lose what a JavaScript number cannot hold.
 */
export type JsonText = string;

/** For a route that returns JsonText: Express sends a string as it is, under this type. */
export const SendsJsonText = () => Header('Content-Type', 'application/json');

/**
 * A page of a list, `{"items":[…],"<cursor>":"<id>"|null}`. One row more than the page holds
 * is read: its presence says that another page follows, after the page's last item.
 */
export async function jsonPage<Row extends { id: string }>(
  limit: number,
  cursor: 'nextBefore' | 'nextAfter',
  read: (limit: number) => Promise<Row[]>,
  toJson: (row: Row) => string,
): Promise<JsonText> {
  const rows = await read(limit + 1);
  const items = rows.slice(0, limit);
  const next = rows.length > limit ? items[items.length - 1].id : null;
  return `{"items":[${items.map(toJson).join(',')}],"${cursor}":${JSON.stringify(next)}}`;
}
