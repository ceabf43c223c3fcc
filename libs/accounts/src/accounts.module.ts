import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from './account.entity';
import { AccountsService } from './accounts.service';
import { Membership } from './membership.entity';

/** Accounts (tenants) and memberships. */
@Module({
  imports: [TypeOrmModule.forFeature([Account, Membership])],
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
