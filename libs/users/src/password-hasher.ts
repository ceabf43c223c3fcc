import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';

/** Hashes and verifies passwords with argon2id (the library's default algorithm). */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /**
   * A hash of a random password, verified when the login names no user, so that "unknown user"
   * costs the same time as "wrong password" and response timing does not reveal which users exist.
   */
  private dummyHash: string;

  constructor(@Inject(SSO_CONFIG) private readonly config: SsoConfig) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(crypto.randomUUID());
  }

  hash(password: string): Promise<string> {
    return hash(password, this.config.argon2);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A corrupt stored hash must fail closed, not 500.
      return false;
    }
  }

  /** Whether a stored hash was made with other argon2id settings than the configured ones. */
  needsRehash(passwordHash: string): boolean {
    const { memoryCost, timeCost, parallelism } = this.config.argon2;
    const params = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
    return (
      !params ||
      Number(params[1]) !== memoryCost ||
      Number(params[2]) !== timeCost ||
      Number(params[3]) !== parallelism
    );
  }

  /** Spends the time of one verification, for logins that name no user. */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }
}
