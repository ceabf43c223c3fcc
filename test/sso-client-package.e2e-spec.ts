import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait-for';

const ROOT = resolve(__dirname, '..');
const LIBRARY = join(ROOT, 'libs/sso-client');
/** What a Nest service has, and the package's own dependencies; nothing else (no @types/express). */
const INSTALLED = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
  'jose',
  'lru-cache',
  '@types/node',
];
const ISSUER = 'nest-sso';

/** The README's `ts` code blocks that start with `// <file>`, by file name. */
function readmeFiles(): Record<string, string> {
  const readme = readFileSync(join(LIBRARY, 'README.md'), 'utf8');
  const files: Record<string, string> = {};
  for (const [, code] of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1];
    if (name) files[name] = code;
  }
  return files;
}

/** A consumer project: the packed package extracted (not linked), the Nest packages linked. */
function consumer(packed: string, kind: 'esm' | 'commonjs', jwksUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sso-client-consumer-${kind}-`));
  mkdirSync(join(dir, 'node_modules/@nest-sso'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@nestjs'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  execFileSync('tar', ['xzf', packed, '-C', join(dir, 'node_modules/@nest-sso')]);
  renameSync(
    join(dir, 'node_modules/@nest-sso/package'),
    join(dir, 'node_modules/@nest-sso/sso-client'),
  );
  for (const name of INSTALLED)
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ private: true, ...(kind === 'esm' ? { type: 'module' } : {}) }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        // nest new (NestJS 12) writes the first; NestJS 10 and 11 projects the second.
        ...(kind === 'esm'
          ? { module: 'nodenext', moduleResolution: 'nodenext', isolatedModules: true }
          : { module: 'commonjs', moduleResolution: 'node10' }),
        target: 'ES2023',
        strict: true,
        skipLibCheck: false,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(dir, 'src'));
  for (const [name, code] of Object.entries(readmeFiles())) {
    writeFileSync(
      join(dir, 'src', name),
      code.replace('http://identity-server:3000/.well-known/jwks.json', jwksUrl),
    );
  }
  writeFileSync(
    join(dir, 'src/main.ts'),
    `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}
void bootstrap();
`,
  );
  return dir;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

function tsc(dir: string): void {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

/**
 * The packed library, used as a new service would from its README alone: it must compile with
 * `skipLibCheck: false` in both kinds of Nest project, and the ES module one must serve requests.
 * `npm run check:sso-client-types` runs this suite alone.
 */
describe('The packed @nest-sso/sso-client in a new service', () => {
  const work = mkdtempSync(join(tmpdir(), 'sso-client-pack-'));
  let packed: string;
  let jwksServer: Server;
  let jwksUrl: string;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(LIBRARY, 'tsconfig.lib.json')]);
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
      cwd: LIBRARY,
    });
    packed = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    jwksServer = createServer((_, response) =>
      response
        .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' })
        .end(
          JSON.stringify({
            keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' }],
          }),
        ),
    );
    await new Promise<void>((done) => jwksServer.listen(0, '127.0.0.1', done));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((done) => jwksServer.close(() => done()));
    rmSync(work, { recursive: true, force: true });
  });

  it('should ship its type declarations and no dependency on Express or passport types', () => {
    const manifest = JSON.parse(
      execFileSync('tar', ['xzOf', packed, 'package/package.json'], { encoding: 'utf8' }),
    ) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['jose', 'lru-cache']);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([
      '@nestjs/common',
      '@nestjs/core',
      'reflect-metadata',
      'rxjs',
    ]);
    expect(Object.keys(readmeFiles()).sort()).toEqual(['app.module.ts', 'orders.controller.ts']);
  });

  it('should compile the README example with skipLibCheck: false in a CommonJS project', () => {
    const dir = consumer(packed, 'commonjs', jwksUrl);
    try {
      tsc(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('should compile the README example with skipLibCheck: false in an ES module project, and serve it with EdDSA tokens', async () => {
    const dir = consumer(packed, 'esm', jwksUrl);
    let service: ChildProcess | undefined;
    try {
      tsc(dir);
      const port = await freePort();
      service = spawn(process.execPath, [join(dir, 'dist/main.js')], {
        env: { ...process.env, PORT: String(port) },
        stdio: 'inherit',
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        () =>
          fetch(`${base}/health`).then(
            (r) => r.ok,
            () => false,
          ),
        'the service',
        20_000,
      );

      const account = randomUUID();
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        token: 'auth',
        sid: randomUUID(),
        cid: '',
        uid: randomUUID(),
        email: 'alice@example.com',
        scopes: ['orders:read'],
        account,
        iss: ISSUER,
        aud: [ISSUER, 'orders'],
        iat: now,
        exp: now + 300,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' })
        .sign(privateKey);
      const headers = { Authorization: `Bearer ${token}` };
      const orders = await fetch(`${base}/accounts/${account}/orders`, { headers });
      expect([orders.status, await orders.json()]).toEqual([200, { account, orders: [] }]);
      const whoami = await fetch(`${base}/whoami`, { headers });
      expect(await whoami.json()).toMatchObject({
        email: 'alice@example.com',
        account,
        scopes: ['orders:read'],
      });
      const anonymous = await fetch(`${base}/whoami`);
      expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([
        401,
        'JWT realm="api"',
      ]);
    } finally {
      service?.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
