import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Optional } from '@nest-sso/common';

/** Body of `POST /authorize`; may be empty. */
export class AuthorizeDto {
  /** Account id or name: the token then carries that membership's permissions. */
  @ApiPropertyOptional({
    description: 'Account id or name; the token then carries that membership',
    example: 'acme',
    maxLength: 100,
  })
  @Optional()
  @IsString({ message: 'account must be a string' })
  @Length(1, 100, { message: 'account must be 1 to 100 characters' })
  account?: string;
}
