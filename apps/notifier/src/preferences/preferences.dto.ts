import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';
import { NOTIFICATION_TYPE_PATTERN } from '@app/postgres-objects';

const MAX_MUTED_TYPES = 100;

/** A notification type, optionally ending in `*` for "every type that starts with it". */
const MUTED_TYPE_PATTERN = NOTIFICATION_TYPE_PATTERN.replace(/\$$/, '\\*?$');

const mutedType = new RegExp(MUTED_TYPE_PATTERN);

const MUTED_TYPES_RULE = `push.mutedTypes must be an array of at most ${MAX_MUTED_TYPES} notification types (${NOTIFICATION_TYPE_PATTERN}), each optionally ending in * for "starts with"`;

function isPushPreferences(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { mutedTypes } = value as { mutedTypes?: unknown };
  return (
    Array.isArray(mutedTypes) &&
    mutedTypes.length <= MAX_MUTED_TYPES &&
    mutedTypes.every((pattern) => typeof pattern === 'string' && mutedType.test(pattern))
  );
}

/** The whole of `push` in one rule, so that every way to get it wrong names push.mutedTypes. */
const IsPushPreferences = () =>
  ValidateBy({
    name: 'isPushPreferences',
    validator: { validate: isPushPreferences, defaultMessage: () => MUTED_TYPES_RULE },
  });

export class PushPreferencesDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_MUTED_TYPES,
    example: ['chat.*', 'digest.weekly'],
    description:
      'Types never pushed to this user: a type, or a prefix ending in `*`. The stream and the inbox still get them.',
    items: { type: 'string', pattern: MUTED_TYPE_PATTERN },
  })
  mutedTypes!: string[];
}

export class PreferencesDto {
  @ApiProperty({ type: PushPreferencesDto })
  @IsPushPreferences()
  push!: PushPreferencesDto;
}
