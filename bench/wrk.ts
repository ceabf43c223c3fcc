import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One HTTP request to repeat. */
export interface LoadRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Bodies to send in turn, one per request, instead of `body`. */
  bodies?: string[];
}

/** What wrk measured. */
export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connect, read, write errors and timeouts. */
  errors: number;
  non2xx: number;
}

const scripts = mkdtempSync(join(tmpdir(), 'nest-sso-bench-wrk-'));
let scriptCount = 0;

/**
 * Drives `request` with wrk (C, one thread: it leaves the cores to the server) over
 * `connections` keep-alive connections for `seconds`.
 */
export async function wrk(
  request: LoadRequest,
  connections: number,
  seconds: number,
): Promise<WrkResult> {
  const script = join(scripts, `request-${scriptCount++}.lua`);
  writeFileSync(
    script,
    [
      `wrk.method = ${JSON.stringify(request.method ?? 'GET')}`,
      ...Object.entries(request.headers ?? {}).map(
        ([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`,
      ),
      request.body === undefined ? '' : `wrk.body = ${JSON.stringify(request.body)}`,
      ...(request.bodies
        ? [
            `local bodies = { ${request.bodies.map((b) => JSON.stringify(b)).join(', ')} }`,
            'local i = 0',
            'request = function()',
            '  i = i % #bodies + 1',
            '  return wrk.format(nil, nil, nil, bodies[i])',
            'end',
          ]
        : []),
    ].join('\n'),
  );
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '--timeout',
      '5s',
      '-s',
      script,
      request.url,
    ]);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    );
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerSecond: Math.round(number(/Requests\/sec:\s+([\d.]+)/)),
    // wrk pads a one-letter unit ("1.20s ") with a space.
    p50Ms: latencyMs(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m, output),
    p99Ms: latencyMs(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m, output),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
  };
}

function latencyMs(pattern: RegExp, output: string): number {
  const match = pattern.exec(output);
  if (!match) return NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Math.round(Number(match[1]) * scale * 100) / 100;
}
