import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'configuration.md');

/**
 * Every variable name `parseConfig` looks up with no setting given, recorded through a Proxy
 * standing in for the environment. A variable read only when another one is set would escape it:
 * keep such reads unconditional.
 */
function variablesRead(): string[] {
  const names = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') names.add(name);
        return undefined;
      },
    },
  );
  parseConfig(env);
  return [...names].sort();
}

/** The variable names in the first column of the settings table of docs/configuration.md. */
function variablesDocumented(): string[] {
  const rows = readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  const names = rows.flatMap((row) =>
    [...row.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]),
  );
  return [...new Set(names)].sort();
}

// The table drifted once (four settings missing): the code is the list, the page must match it.
describe('docs/configuration.md', () => {
  it('should document exactly the settings parseConfig reads, no more and no fewer', () => {
    const read = variablesRead();
    const documented = variablesDocumented();
    expect(read.length).toBeGreaterThan(40);
    expect({
      missing: read.filter((name) => !documented.includes(name)),
      stale: documented.filter((name) => !read.includes(name)),
    }).toEqual({ missing: [], stale: [] });
  });
});
