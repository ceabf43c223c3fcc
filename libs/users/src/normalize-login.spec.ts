import { describe, expect, it } from 'vitest';
import { normalizeLogin } from './normalize-login';

describe(normalizeLogin.name, () => {
  it('should fold letter case and surrounding spaces', () => {
    expect(normalizeLogin('  Alice@Example.COM ')).toBe('alice@example.com');
  });

  it('should make Unicode look-alike forms equal (NFKC)', () => {
    // "ｂｏｂ" in full-width letters, and "é" as e + combining accent.
    expect(normalizeLogin('ｂｏｂ')).toBe('bob');
    expect(normalizeLogin('Re\u0301mi')).toBe(normalizeLogin('Rémi'));
  });
});
