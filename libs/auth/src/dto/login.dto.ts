import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { CLIENT_ID_MAX_LENGTH } from '@nest-sso/sessions';

/** Body of `POST /session` (JSON or form-encoded). */
export class LoginDto {
  /** Username or email. */
  @ApiProperty({ description: 'Username or email', maxLength: 254, example: 'alice' })
  @IsString({ message: 'username must be a string' })
  @Length(1, 254, { message: 'username must be 1 to 254 characters' })
  username: string;

  @ApiProperty({ maxLength: 1024, example: 'correct horse battery staple' })
  @IsString({ message: 'password must be a string' })
  @Length(1, 1024, { message: 'password must be 1 to 1024 characters' })
  password: string;

  /** Free-form id of the client application, stored with the session and put in `cid`. */
  @ApiPropertyOptional({
    maxLength: CLIENT_ID_MAX_LENGTH,
    example: 'ios-app',
    description: 'Stored with the session, put in `cid`',
  })
  @IsOptional()
  @IsString({ message: 'client_id must be a string' })
  @MaxLength(CLIENT_ID_MAX_LENGTH, {
    message: `client_id must be at most ${CLIENT_ID_MAX_LENGTH} characters`,
  })
  client_id?: string;
}
