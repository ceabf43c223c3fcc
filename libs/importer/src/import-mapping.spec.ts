import { describe, expect, it } from 'vitest';
import { MappingError, parseMapping } from './import-mapping';

describe(parseMapping.name, () => {
  it('should read the documented example, filling in what is left out', () => {
    expect(
      parseMapping({
        permissions: { 'blog.change_post': 'posts:write', 'admin.view_logentry': null },
        groups: { editors: ['posts:publish'] },
        accounts: [
          { name: 'acme', members: [{ user: 'alice' }, { user: 42, permissions: ['x'] }] },
        ],
      }),
    ).toEqual({
      permissions: { 'blog.change_post': 'posts:write', 'admin.view_logentry': null },
      groups: { editors: ['posts:publish'] },
      superuser: [],
      accounts: [
        {
          name: 'acme',
          members: [
            { user: 'alice', permissions: [] },
            { user: 42, permissions: ['x'] },
          ],
        },
      ],
    });
  });

  it.each([
    [[], 'must be a JSON object'],
    [{ permission: {} }, 'unknown key "permission"'],
    [{ permissions: { a: 1 } }, '"permissions"."a" must be a string or null'],
    [{ groups: { g: 'x' } }, '"groups"."g" must be an array of strings'],
    [{ superuser: 'all' }, '"superuser" must be an array of strings'],
    [{ accounts: [{ name: 'a' }] }, '"accounts"[0] must be'],
    [{ accounts: [{ name: 'a', members: [{ user: true }] }] }, '"accounts"[0].members[0] must be'],
  ])('should refuse %j, naming the entry', (value, message) => {
    expect(() => parseMapping(value, 'map.json')).toThrow(MappingError);
    expect(() => parseMapping(value, 'map.json')).toThrow(`map.json: ${message}`);
  });
});
