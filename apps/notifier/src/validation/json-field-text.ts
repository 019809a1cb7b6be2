import {
  BadRequestException,
  createParamDecorator,
  ExecutionContext,
  PipeTransform,
  RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { parse, stringify } from 'lossless-json';

/**
 * The JSON text of one top-level field of the request's JSON body, with every number as the
 * client wrote it (undefined when the field is absent). The body parser's JSON.parse turns
 * 9007199254740993 into …992 and 1e400 into Infinity; this reads the raw body again with
 * lossless-json, which keeps each number's text. A repeated key keeps its last value, as
 * JSON.parse and Postgres do.
 */
export const JsonFieldText = createParamDecorator(
  (field: string, context: ExecutionContext): string | undefined => {
    const { rawBody } = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    if (rawBody === undefined) return undefined;
    const body = parse(rawBody.toString('utf8'), null, {
      onDuplicateKey: ({ newValue }) => newValue,
    });
    if (typeof body !== 'object' || body === null || !Object.hasOwn(body, field)) {
      return undefined;
    }
    return stringify((body as Record<string, unknown>)[field]);
  },
);

/** 400 naming the field unless its JSON text is at most `bytes` long. */
export class JsonTextWithin implements PipeTransform<string | undefined, string | undefined> {
  constructor(
    private readonly field: string,
    private readonly bytes: number,
  ) {}

  transform(text: string | undefined): string | undefined {
    if (text === undefined || Buffer.byteLength(text) <= this.bytes) return text;
    throw new BadRequestException([`${this.field} must be JSON of at most ${this.bytes} bytes`]);
  }
}
