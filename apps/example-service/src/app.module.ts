import { DynamicModule, Module } from '@nestjs/common';
import { SsoClientModule, SsoClientOptions } from '@nest-sso/sso-client';
import { OrdersController } from './orders.controller';

/** The example downstream service: trusts nest-sso tokens through the sso-client library only. */
@Module({})
export class ExampleAppModule {
  static forRoot(sso: SsoClientOptions): DynamicModule {
    return {
      module: ExampleAppModule,
      imports: [SsoClientModule.forRoot(sso)],
      controllers: [OrdersController],
    };
  }
}
