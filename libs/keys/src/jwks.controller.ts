import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@nest-sso/common';
import { KeyStore } from './key-store';

/** Publishes the server's public keys so that services verify tokens offline. */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keyStore: KeyStore) {}

  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.keyStore.current.jwks();
  }
}
