/**
 * Summarises V8 CPU profiles (`BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=<dir>" npm run bench`):
 * self time by function and by package, over every `.cpuprofile` in the folder.
 *
 *   node dist/bench/profile-summary.js <dir> [top]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '');
    const name = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const pkg = !url
      ? functionName.startsWith('(')
        ? functionName
        : '(native)'
      : url.includes('node_modules/')
        ? url
            .split('node_modules/')[1]
            .split('/')
            .slice(0, url.includes('node_modules/@') ? 2 : 1)
            .join('/')
        : url.startsWith('node:')
          ? 'node internals'
          : 'nest-sso (dist)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  });
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n| ${title} | self ms | share |\n| --- | ---: | ---: |`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `| ${name} | ${Math.round(micros / 1000)} | ${((micros / total) * 100).toFixed(1)}% |`,
    );
  }
};
print('package', byPackage);
print('function', byFunction);
