import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHasher } from './password-hasher';
import { LoginName } from './login-name.entity';
import { User } from './user.entity';
import { UsersService } from './users.service';

/** Users and their passwords. */
@Module({
  imports: [TypeOrmModule.forFeature([User, LoginName])],
  providers: [UsersService, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
