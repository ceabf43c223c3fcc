import { Controller, Get, Param } from '@nestjs/common';
import { CurrentAuth, Public, RequireAccount, RequireScopes, SsoAuth } from '@nest-sso/sso-client';

/** A stand-in for a downstream service: its data is made up, its access rules are real. */
@Controller()
export class OrdersController {
  /** Who the token says the caller is. */
  @Get('whoami')
  whoami(@CurrentAuth() auth: SsoAuth) {
    return {
      uid: auth.uid,
      email: auth.email,
      account: auth.account,
      scopes: auth.scopes,
      issuer: auth.issuer,
    };
  }

  /** Orders of one account: the token must be issued for that account and carry `orders:read`. */
  @Get('accounts/:account/orders')
  @RequireAccount('account')
  @RequireScopes('orders:read')
  orders(@Param('account') account: string) {
    return { account, orders: sampleOrders(account) };
  }

  /** The same answer with no guard at all: the baseline of the guard benchmark. */
  @Public()
  @Get('public/accounts/:account/orders')
  publicOrders(@Param('account') account: string) {
    return { account, orders: sampleOrders(account) };
  }

  @Public()
  @Get('health/live')
  live() {
    return { status: 'up' };
  }
}

function sampleOrders(account: string) {
  return [1, 2, 3].map((n) => ({
    id: `${account.slice(0, 8)}-${n}`,
    total: n * 1000,
    currency: 'EUR',
  }));
}
