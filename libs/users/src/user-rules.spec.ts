import { describe, expect, it } from 'vitest';
import type { FieldError } from '@nest-sso/common';
import { characterCount, UserRules } from './user-rules';

/** Runs one rule; its value, and the messages it recorded. */
function apply<T>(rule: (value: unknown, errors: FieldError[]) => T, value: unknown) {
  const errors: FieldError[] = [];
  return { value: rule(value, errors), errors: errors.map((e) => e.message) };
}

describe('UserRules', () => {
  describe('email', () => {
    it('should accept an email and return its normalised form', () => {
      expect(apply(UserRules.email, ' Alice@Example.COM ')).toEqual({
        value: 'alice@example.com',
        errors: [],
      });
    });

    it.each([
      ['not an email', 'not-an-email'],
      ['no domain', 'alice@'],
      ['a space inside', 'al ice@example.com'],
      ['a number', 42],
      ['null', null],
    ])('should refuse %s', (_, value) => {
      expect(apply(UserRules.email, value).errors).toHaveLength(1);
    });

    it('should check the length after normalisation (NFKC makes U+FDFA 18 characters)', () => {
      // 14 characters as typed, 252 once normalised: over the 64 of a local part, and the email
      // is over 254 characters.
      const email = `${'\uFDFA'.repeat(14)}@example.com`;
      expect(email.length).toBeLessThan(254);
      const { value, errors } = apply(UserRules.email, email);
      expect(value).toBeUndefined();
      expect(errors).toEqual(['email must be at most 254 characters']);
    });
  });

  describe('username', () => {
    it.each([
      'alice',
      'alice.smith+tag@example.com',
      'o-brien_2',
      'josé',
      'Δημήτρης',
      '山田太郎',
      'e\u0301mile (NFKC composes the accent)'.split(' ')[0],
      'Ⅻ-²',
      '1'.repeat(150),
    ])('should accept the Django username %s', (name) => {
      expect(apply(UserRules.username, name).errors).toEqual([]);
    });

    it.each([
      ['a space', 'alice smith'],
      ['a slash', 'alice/smith'],
      ['a quote', "o'brien"],
      ['an emoji', 'alice🙂'],
      ['a variation selector', 'alice\uFE0F'],
      ['a combining mark that composes to nothing (Devanagari)', 'हिन्दी'],
      ['nothing', ''],
      ['151 characters', 'a'.repeat(151)],
    ])('should refuse a username with %s', (_, name) => {
      expect(apply(UserRules.username, name).errors).toHaveLength(1);
    });

    it('should count the normalised length: ten U+FDFA are 180 characters', () => {
      expect(apply(UserRules.username, '\uFDFA'.repeat(10)).errors).toEqual([
        'username must be 1 to 150 characters',
      ]);
    });
  });

  describe('password', () => {
    it('should return the NFC form', () => {
      const nfd = 'Pässwörd-Ωmega'.normalize('NFD');
      expect(apply(UserRules.password, nfd).value).toBe(nfd.normalize('NFC'));
    });

    it.each([
      ['7 characters', 'a'.repeat(7)],
      ['1025 characters', 'a'.repeat(1025)],
      ['NFC longer than 1024 (U+0958 composes to two)', '\u0958'.repeat(600)],
      ['a NUL character', 'pass\u0000word'],
      ['a number', 12345678],
    ])('should refuse %s', (_, password) => {
      expect(apply(UserRules.password, password).errors).toHaveLength(1);
    });

    it('should count characters, not UTF-16 units: 1024 emoji are a valid password', () => {
      expect(apply(UserRules.password, '🙂'.repeat(1024)).errors).toEqual([]);
    });
  });

  describe('permissions', () => {
    it('should accept permissions and drop duplicates', () => {
      expect(apply(UserRules.permissions, ['a:b', 'orders:*', 'a:b'])).toEqual({
        value: ['a:b', 'orders:*'],
        errors: [],
      });
    });

    it.each([
      ['a space', ['a b']],
      ['an empty one', ['']],
      ['101 characters', ['p'.repeat(101)]],
      ['101 entries', Array.from({ length: 101 }, (_, i) => `p${i}`)],
      ['not an array', 'a:b'],
      ['a number inside', ['a', 1]],
    ])('should refuse %s', (_, permissions) => {
      expect(apply(UserRules.permissions, permissions).errors).toHaveLength(1);
    });
  });

  it('should count characters as PostgreSQL does (code points)', () => {
    expect(characterCount('a\uFE0F🙂')).toBe(3);
  });
});
