import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

/** The parts of the rendered objects that the assertions read (the schemas check the rest). */
interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  failureThreshold: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: unknown[];
  env: { name: string; value?: string }[];
  securityContext: unknown;
  resources: { requests?: Record<string, string>; limits: Record<string, string> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  lifecycle?: unknown;
}
interface PodSpec {
  securityContext: unknown;
  automountServiceAccountToken: boolean;
  terminationGracePeriodSeconds: number;
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
}
interface Spec {
  replicas: number;
  selector: { matchLabels: Record<string, string> } & Record<string, string>;
  strategy: { rollingUpdate: { maxUnavailable: number } };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  maxUnavailable: number;
  scaleTargetRef: unknown;
  minReplicas: number;
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  type: string;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Spec;
  data?: Record<string, string>;
}

const DIR = __dirname;

/** What `kubectl kustomize <dir>` renders (kubectl 1.32 with kustomize; no cluster needed). */
function render(dir: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(DIR, dir)], { encoding: 'utf8' });
  return loadAll(yaml) as K8sObject[];
}

/** Validates an object with the model kubernetes-models generated from Kubernetes' OpenAPI schema. */
async function validate(object: K8sObject): Promise<void> {
  const models = (await import(
    /* @vite-ignore */ `kubernetes-models/${object.apiVersion}`
  )) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const one = (objects: K8sObject[], kind: string, name = 'nest-sso') => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0];
};

describe('deploy/kubernetes', () => {
  const variants = { base: render('base'), 'overlays/example': render('overlays/example') };

  it.each(Object.keys(variants))(
    'should render %s, every object valid against the Kubernetes schemas',
    async (variant) => {
      const objects = variants[variant as keyof typeof variants];
      expect(objects.map((o) => o.kind).sort()).toEqual(
        expect.arrayContaining([
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Service',
          'ServiceAccount',
        ]),
      );
      for (const object of objects) await validate(object);
    },
  );

  it('should catch a schema violation (the validation is real)', async () => {
    const deployment = structuredClone(one(variants.base, 'Deployment'));
    const ports = deployment.spec.template.spec.containers[0].ports as { containerPort: unknown }[];
    ports[0].containerPort = 'three thousand';
    await expect(validate(deployment)).rejects.toThrow('containerPort must be integer');
  });

  describe.each(Object.entries(variants))('%s', (_, objects) => {
    const deployment = one(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const containers = [...pod.initContainers, ...pod.containers];
    const server = pod.containers.find((c) => c.name === 'identity-server')!;
    const settings = objects.find((o) => o.kind === 'ConfigMap')!.data!;

    it('should run every container as non-root, read-only, seccomp RuntimeDefault, no privilege escalation, no capabilities', () => {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of containers) {
        expect(container.securityContext, container.name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources.requests, container.name).toBeDefined();
        expect(container.resources.limits, container.name).toMatchObject({
          cpu: expect.anything() as unknown,
          memory: expect.anything() as unknown,
        });
      }
    });

    it('should probe readiness on /health/ready and liveness on /health/live, on the server port', () => {
      expect(server.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
      expect(server.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(server.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(server.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      // Liveness must not fail with the database: an outage would restart every pod at once.
      expect(server.livenessProbe.failureThreshold * server.livenessProbe.periodSeconds).toBe(30);
    });

    it('should drain within terminationGracePeriodSeconds: SSO_SHUTDOWN_DELAY, then SSO_SHUTDOWN_TIMEOUT', () => {
      const delay = Number(settings.SSO_SHUTDOWN_DELAY);
      const timeout = Number(settings.SSO_SHUTDOWN_TIMEOUT);
      // The server itself waits for the endpoints to drop it, telling keep-alive clients to
      // reconnect meanwhile; a preStop sleep on top would only eat the grace period.
      expect(delay).toBeGreaterThanOrEqual(5);
      expect(server.lifecycle).toBeUndefined();
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(delay + timeout + 5);
    });

    it('should give as many HTTP workers as CPUs in the limit', () => {
      expect(Number(settings.SSO_WORKERS)).toBe(Number(server.resources.limits.cpu));
    });

    it('should migrate in an init container of the same image, and the server should not migrate', () => {
      expect(pod.initContainers).toHaveLength(1);
      expect(pod.initContainers[0]).toMatchObject({
        image: server.image,
        command: ['nest-sso', 'migrations:run'],
      });
      expect(settings.SSO_MIGRATE_ON_START).toBe('false');
    });

    it('should read the key store and the other secrets from Secret volumes that update in place', () => {
      const volumes = Object.fromEntries(pod.volumes.map((v) => [v.name, v.secret?.secretName]));
      expect(volumes).toMatchObject({ keys: 'nest-sso-keys', secrets: 'nest-sso-secrets' });
      const keys = server.volumeMounts.find((m) => m.name === 'keys');
      // A subPath mount is never updated: rotation by updating the Secret would not reach the pod.
      expect(keys).toEqual({
        name: 'keys',
        mountPath: settings.SSO_KEY_STORE_ROOT,
        readOnly: true,
      });
      for (const container of containers) {
        for (const mount of container.volumeMounts) expect(mount.subPath).toBeUndefined();
        const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
        expect(env.DATABASE_URL_FILE).toBe('/run/secrets/nest-sso/database-url');
        expect(env.DATABASE_URL).toBeUndefined();
      }
    });

    it('should give the server the OpenID Connect cookie keys from the secrets volume, the same for every replica', () => {
      // Without them each pod signs cookies with a random key of its own, and a browser sign-in
      // that starts on one pod and ends on another fails.
      const env = Object.fromEntries(server.env.map((e) => [e.name, e]));
      expect(env.SSO_OIDC_COOKIE_KEYS_FILE).toEqual({
        name: 'SSO_OIDC_COOKIE_KEYS_FILE',
        value: '/run/secrets/nest-sso/oidc-cookie-keys',
      });
      expect(env.SSO_OIDC_COOKIE_KEYS).toBeUndefined();
      expect(settings).not.toHaveProperty('SSO_OIDC_COOKIE_KEYS');
      expect(settings).not.toHaveProperty('SSO_OIDC_COOKIE_KEYS_FILE');
      const mount = server.volumeMounts.find((m) => m.mountPath === '/run/secrets/nest-sso');
      expect(mount?.name).toBe('secrets');
      expect(pod.volumes.find((v) => v.name === mount?.name)?.secret?.secretName).toBe(
        'nest-sso-secrets',
      );
    });

    it('should render no Secret: secrets are created outside kustomize, never committed', () => {
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    });

    it('should keep two replicas or more through rollouts, disruptions and scaling', () => {
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
      const hpa = one(objects, 'HorizontalPodAutoscaler').spec;
      expect(hpa.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'nest-sso',
      });
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    });

    it('should select the server pods, and only them, in the Service, the budget and the network policy', () => {
      const labels = deployment.spec.template.metadata.labels;
      expect(deployment.spec.selector.matchLabels).toEqual(labels);
      expect(one(objects, 'Service').spec.selector).toEqual(labels);
      expect(one(objects, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
      const policy = one(objects, 'NetworkPolicy').spec;
      expect(policy.podSelector.matchLabels).toEqual(labels);
      expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    });
  });

  it('should name PostgreSQL and Redis as external services in the example overlay, in its namespace', () => {
    const objects = variants['overlays/example'];
    for (const name of ['postgres', 'redis']) {
      expect(one(objects, 'Service', name).spec.type).toBe('ExternalName');
    }
    expect(
      objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'sso'),
    ).toBe(true);
    const settings = objects.find((o) => o.kind === 'ConfigMap')!.data!;
    expect(settings).toMatchObject({
      NODE_ENV: 'production',
      SSO_IDENTITY: 'https://sso.example.com',
      SSO_PUBLIC_URL: 'https://sso.example.com',
    });
  });
});
