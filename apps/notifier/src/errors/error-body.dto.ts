import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from './http-error.filter';

/** The one shape of every error answer, for the OpenAPI document. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['limit must not be greater than 200'],
    description: 'What went wrong; validation errors name the field',
  })
  message!: string | string[];
}
