import {
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

let generation = 0;

/**
 * Writes `files` into `root` the way the kubelet updates a mounted Secret (its AtomicWriter): the
 * payload goes into a new hidden, timestamped folder; a `..data_tmp` symlink to it is renamed over
 * `..data` (one atomic step, so a reader sees either the old set or the new one); every file is a
 * symlink `name -> ..data/name`, added for new names and removed for names no longer there; the
 * old folder is deleted.
 */
export function writeSecretVolume(root: string, files: Record<string, string>): void {
  mkdirSync(root, { recursive: true });
  const previous = existsSync(join(root, '..data')) ? readlinkSync(join(root, '..data')) : null;
  const payload = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${++generation}`;
  mkdirSync(join(root, payload), { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(root, payload, name), content, { mode: 0o440 });
  }
  symlinkSync(payload, join(root, '..data_tmp'));
  renameSync(join(root, '..data_tmp'), join(root, '..data'));
  for (const name of Object.keys(files)) {
    if (!existsSync(join(root, name))) symlinkSync(join('..data', name), join(root, name));
  }
  if (previous) rmSync(join(root, previous), { recursive: true, force: true });
  for (const name of readdirSync(root)) {
    if (!name.startsWith('..') && !(name in files)) rmSync(join(root, name), { force: true });
  }
}
