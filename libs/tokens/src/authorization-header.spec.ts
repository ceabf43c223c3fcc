import { describe, expect, it } from 'vitest';
import { SsoError } from '@nest-sso/common';
import { tokenFromAuthorizationHeader } from './authorization-header';

describe(tokenFromAuthorizationHeader.name, () => {
  it.each([
    ['JWT abc.def.ghi', 'abc.def.ghi'],
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer  abc.def.ghi ', 'abc.def.ghi'],
  ])('should read "%s"', (header, token) => {
    expect(tokenFromAuthorizationHeader(header)).toBe(token);
  });

  it.each([undefined, '', 'JWT', 'Basic dXNlcjpwdw==', 'JWT a b', 'Token abc'])(
    'should refuse %o as not_authenticated',
    (header) => {
      expect(() => tokenFromAuthorizationHeader(header)).toThrow(SsoError);
      try {
        tokenFromAuthorizationHeader(header);
      } catch (error) {
        expect((error as SsoError).code).toBe('not_authenticated');
      }
    },
  );
});
