import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Optional } from '@nest-sso/common';
import { CLIENT_ID_MAX_LENGTH } from '@nest-sso/sessions';
import { PASSWORD_INPUT_MAX_LENGTH } from '@nest-sso/users';

/** Body of `POST /session` (JSON or form-encoded). */
export class LoginDto {
  /** Username or email. */
  @ApiProperty({ description: 'Username or email', maxLength: 254, example: 'alice' })
  @IsString({ message: 'username must be a string' })
  @Length(1, 254, { message: 'username must be 1 to 254 characters' })
  username: string;

  @ApiProperty({ maxLength: PASSWORD_INPUT_MAX_LENGTH, example: 'correct horse battery staple' })
  @IsString({ message: 'password must be a string' })
  @Length(1, PASSWORD_INPUT_MAX_LENGTH, {
    message: `password must be 1 to ${PASSWORD_INPUT_MAX_LENGTH} characters`,
  })
  password: string;

  /**
   * Free-form id of the client application, stored with the session and put in `cid`; its length
   * is checked by the login use case (`checkClientId`), as stored.
   */
  @ApiPropertyOptional({
    maxLength: CLIENT_ID_MAX_LENGTH,
    example: 'ios-app',
    description: 'Stored with the session, put in `cid`',
  })
  @Optional()
  @IsString({ message: 'client_id must be a string' })
  client_id?: string;
}
