import { BadRequestException, PipeTransform } from '@nestjs/common';
import { Matches, ValidateBy, ValidationOptions } from 'class-validator';
import { isValidUserId, USER_ID_RULE } from '@app/auth';
import { NOTIFICATION_TYPE_PATTERN } from '@app/postgres-objects';
import { isLogId } from '@app/sse';

/** The outbox's rules, checked before the database so that a 400 can name the field. */
export const IsNotificationType = () =>
  Matches(new RegExp(NOTIFICATION_TYPE_PATTERN), {
    message: `type must match ${NOTIFICATION_TYPE_PATTERN}`,
  });

export const IsLogId = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isLogId',
      validator: {
        validate: isLogId,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a decimal id from 0 to 9223372036854775807`,
      },
    },
    options,
  );

export const IsUserId = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isUserId',
      validator: {
        validate: isValidUserId,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be ${USER_ID_RULE}`,
      },
    },
    options,
  );

/** `:id` path parameters: 400 unless a log id. */
export class LogIdPipe implements PipeTransform<unknown, bigint> {
  transform(value: unknown): bigint {
    if (!isLogId(value))
      throw new BadRequestException('id must be a decimal id from 0 to 9223372036854775807');
    return BigInt(value);
  }
}

/** `:userId` path parameters: 400 unless a valid user id. */
export class UserIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isValidUserId(value)) {
      throw new BadRequestException(`userId must be ${USER_ID_RULE}`);
    }
    return value;
  }
}
