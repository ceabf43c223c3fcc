import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of `POST /password`. */
export class ChangePasswordDto {
  @ApiProperty({ maxLength: 1024 })
  @IsString({ message: 'current_password must be a string' })
  @Length(1, 1024, { message: 'current_password must be 1 to 1024 characters' })
  current_password: string;

  @ApiProperty({ minLength: 8, maxLength: 1024 })
  @IsString({ message: 'new_password must be a string' })
  @Length(8, 1024, { message: 'new_password must be 8 to 1024 characters' })
  new_password: string;
}
