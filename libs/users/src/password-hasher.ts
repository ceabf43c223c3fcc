import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { verifyDjangoPassword } from './django-password';
import { normalizePassword } from './user-rules';

/** The outcome of checking a password against a stored hash. */
export interface PasswordCheck {
  valid: boolean;
  /** The hash should be replaced by a fresh one of the same password (made with `hash`). */
  rehash: boolean;
}

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

  /** Hashes the password's NFC form, so that any Unicode form of it verifies later. */
  hash(password: string): Promise<string> {
    return hash(normalizePassword(password), this.config.argon2);
  }

  /**
   * Checks a password as typed: its NFC form first, then, for hashes made before passwords were
   * normalised, the form as sent. A match of the second kind, or of a hash made with other
   * settings, asks for a rehash, so each stored hash moves to the normalised form at its next use.
   */
  async check(passwordHash: string, password: string): Promise<PasswordCheck> {
    const normalized = normalizePassword(password);
    if (await this.verify(passwordHash, normalized)) {
      return { valid: true, rehash: this.needsRehash(passwordHash) };
    }
    if (normalized !== password && (await this.verify(passwordHash, password))) {
      return { valid: true, rehash: true };
    }
    return { valid: false, rehash: false };
  }

  /**
   * Verifies against an argon2 hash of nest-sso's, or a Django hash of an imported user
   * (`verifyDjangoPassword`: PBKDF2, argon2, bcrypt, scrypt), which `check` then asks to rehash.
   * Django's unusable passwords (`!…`) never verify.
   */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      if (passwordHash.startsWith('$')) return await verify(passwordHash, password);
      return await verifyDjangoPassword(passwordHash, password);
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

  /** Spends the time of a failed `check`, for logins that name no user. */
  async verifyDummy(password: string): Promise<false> {
    await this.check(this.dummyHash, password);
    return false;
  }
}
