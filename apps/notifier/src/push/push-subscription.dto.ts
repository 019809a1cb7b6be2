import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsObject,
  IsString,
  MaxLength,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { fromBase64Url, isUncompressedP256Point } from '@app/config';
import { MAX_ENDPOINT_LENGTH } from './push-endpoint-policy';

const IsP256PublicKey = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isP256PublicKey',
      validator: {
        validate: (value) => isUncompressedP256Point(fromBase64Url(value)),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a P-256 public key: 65 bytes (an uncompressed point on the curve), base64url`,
      },
    },
    options,
  );

const IsBase64UrlBytes = (length: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isBase64UrlBytes',
      validator: {
        validate: (value) => fromBase64Url(value)?.length === length,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be ${length} bytes, base64url`,
      },
    },
    options,
  );

export class PushSubscriptionKeysDto {
  @ApiProperty({ description: 'The browser’s P-256 public key, base64url (65 bytes)' })
  @IsP256PublicKey()
  p256dh!: string;

  @ApiProperty({ description: 'The authentication secret, base64url (16 bytes)' })
  @IsBase64UrlBytes(16)
  auth!: string;
}

/** What `PushSubscription.toJSON()` gives in the browser (`expirationTime` is ignored). */
export class PushSubscriptionDto {
  @ApiProperty({
    example: 'https://fcm.googleapis.com/fcm/send/dXJ…',
    maxLength: MAX_ENDPOINT_LENGTH,
    description: 'An https: URL on a host that PUSH_ENDPOINT_HOSTS allows',
  })
  @IsString()
  @MaxLength(MAX_ENDPOINT_LENGTH)
  endpoint!: string;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys!: PushSubscriptionKeysDto;
}

export class PushEndpointDto {
  @ApiProperty({ example: 'https://fcm.googleapis.com/fcm/send/dXJ…' })
  @IsString()
  @MaxLength(MAX_ENDPOINT_LENGTH)
  endpoint!: string;
}

export class VapidPublicKeyDto {
  @ApiProperty({
    description: 'The VAPID public key, base64url: pass it as `applicationServerKey`',
  })
  publicKey!: string;
}

export class PushSubscriptionViewDto {
  @ApiProperty()
  endpoint!: string;

  @ApiProperty({ example: '2026-11-21T10:00:00.000Z' })
  createdAt!: string;
}
