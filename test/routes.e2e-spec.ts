import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ADMIN_API, IS_PUBLIC } from '@nest-sso/common';
import { ROUTES } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';

describe('Route access', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('should list exactly the documented routes with their auth requirement', () => {
    const scanner = new MetadataScanner();
    const reflector = new Reflector();
    const controllers = [...t.app.get(ModulesContainer).values()].flatMap((m) => [
      ...m.controllers.values(),
    ]);
    const routes: string[] = [];
    for (const wrapper of controllers) {
      const controller = wrapper.metatype as new () => object;
      const base = reflector.get<string>(PATH_METADATA, controller);
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, () => unknown>)[name];
        const path = reflector.get<string | undefined>(PATH_METADATA, handler);
        if (path === undefined) continue;
        const method = RequestMethod[reflector.get<RequestMethod>(METHOD_METADATA, handler)];
        const isPublic =
          reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller]) ?? false;
        const isAdmin =
          reflector.getAllAndOverride<boolean>(IS_ADMIN_API, [handler, controller]) ?? false;
        const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`;
        routes.push(`${method} ${full} ${isPublic ? 'public' : isAdmin ? 'admin' : 'session'}`);
      }
    }
    expect(routes.sort()).toEqual([...ROUTES].sort());
  });
});
