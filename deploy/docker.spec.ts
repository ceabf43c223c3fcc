import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const arg = (name: string) => dockerfile.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];

interface ComposeService {
  image?: string;
  restart?: string;
  environment?: Record<string, string>;
  secrets?: string[];
  stop_grace_period?: string;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
}
const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
};

describe('Dockerfile', () => {
  it("should run the Node.js the tests run on: the image's major is this process's", () => {
    const version = arg('NODE_VERSION');
    expect(version?.split('.')[0]).toBe(process.versions.node.split('.')[0]);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    // The exact version of the `node` devDependency that npm scripts and CI run on.
    expect(version).toBe(lock.packages['node_modules/node'].version);
  });

  it('should pin the base image by digest, on that version', () => {
    expect(arg('NODE_IMAGE')).toMatch(/^node:\$\{NODE_VERSION\}-slim@sha256:[0-9a-f]{64}$/);
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(stages.filter((from) => from.startsWith('node:'))).toEqual([]);
    expect(stages.filter((from) => from === '${NODE_IMAGE}')).toHaveLength(3);
  });

  it('should install production dependencies only for the runtime, as the non-root user', () => {
    expect(dockerfile).toContain('RUN npm ci --omit=dev --legacy-peer-deps');
    expect(dockerfile).toMatch(/COPY --from=dependencies \/app\/node_modules node_modules/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('should pass passwords as secrets, never as plain text', () => {
    const text = JSON.stringify(compose.services);
    expect(text).not.toMatch(/postgres:\/\/[^"@]*:[^"@]*@/);
    expect(compose.services.postgres.environment).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(compose.services.postgres.environment?.POSTGRES_PASSWORD_FILE).toBe(
      '/run/secrets/postgres-password',
    );
    expect(compose.services['identity-server'].environment?.DATABASE_URL_FILE).toBe(
      '/run/secrets/database-url',
    );
    for (const app of ['a', 'b'])
      expect(compose.services[`example-web-${app}`].environment?.OIDC_CLIENT_SECRET_FILE).toBe(
        `/run/secrets/app-${app}-client-secret`,
      );
    expect(compose.secrets).toEqual({
      'postgres-password': { file: './secrets/postgres-password' },
      'database-url': { file: './secrets/database-url' },
      'app-a-client-secret': { file: './secrets/app-a-client-secret' },
      'app-b-client-secret': { file: './secrets/app-b-client-secret' },
      'oidc-cookie-keys': { file: './secrets/oidc-cookie-keys' },
    });
  });

  it("should give the identity server the OpenID Connect cookie keys from a secret (a replica's own random key would break sign-ins that move between replicas)", () => {
    const server = compose.services['identity-server'];
    expect(server.environment?.SSO_OIDC_COOKIE_KEYS_FILE).toBe('/run/secrets/oidc-cookie-keys');
    expect(server.environment).not.toHaveProperty('SSO_OIDC_COOKIE_KEYS');
    expect(server.secrets).toContain('oidc-cookie-keys');
    expect(compose.secrets['oidc-cookie-keys']).toEqual({ file: './secrets/oidc-cookie-keys' });
  });

  it.each(services)('should restart %s and bound its CPU and memory', (_, service) => {
    expect(service.restart).toBe('unless-stopped');
    expect(service.deploy?.resources?.limits).toEqual({
      cpus: expect.stringMatching(/^\d+(\.\d+)?$/) as unknown,
      memory: expect.stringMatching(/^\d+[MG]$/) as unknown,
    });
  });

  it("should wait longer than the identity server's drain before killing it", () => {
    const server = compose.services['identity-server'];
    const seconds = (value = '') => Number(/^(\d+)s$/.exec(value)?.[1]);
    const drain =
      Number(server.environment?.SSO_SHUTDOWN_DELAY) +
      Number(server.environment?.SSO_SHUTDOWN_TIMEOUT);
    expect(seconds(server.stop_grace_period)).toBeGreaterThan(drain);
  });
});
