import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import {
  PASSWORD_INPUT_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from '@nest-sso/users';

/** Body of `POST /password`. The new password's rules are the users' rules (`UserRules`). */
export class ChangePasswordDto {
  @ApiProperty({ maxLength: PASSWORD_INPUT_MAX_LENGTH })
  @IsString({ message: 'current_password must be a string' })
  @Length(1, PASSWORD_INPUT_MAX_LENGTH, {
    message: `current_password must be 1 to ${PASSWORD_INPUT_MAX_LENGTH} characters`,
  })
  current_password: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'Counted in characters after Unicode NFC normalisation',
  })
  @IsString({ message: 'new_password must be a string' })
  new_password: string;
}
