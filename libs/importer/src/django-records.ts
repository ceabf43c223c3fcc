import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';

/** One object of `manage.py dumpdata` output: `{"model": "auth.user", "pk": 1, "fields": {…}}`. */
export interface DjangoRecord {
  model: string;
  pk?: unknown;
  fields: Record<string, unknown>;
}

/** The models `import:drf-sso` reads; any other model in the export is counted and ignored. */
export const IMPORTED_MODELS = [
  'auth.permission',
  'auth.group',
  'auth.user',
  'rest_framework_sso.sessiontoken',
] as const;

/**
 * The records of a `dumpdata` JSON file (or of standard input, for `-`), parsed as a stream
 * (stream-json): one record in memory at a time, so a 100,000-user export needs no more memory
 * than a small one. `onBytes` is told how many bytes were read so far (for a progress bar).
 */
export async function* readDumpdata(
  source: Readable | string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<DjangoRecord> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  let bytes = 0;
  if (onBytes) {
    input.on('data', (chunk: Buffer | string) => {
      bytes += chunk.length;
      onBytes(bytes);
    });
  }
  const items = input.pipe(streamArray.withParserAsStream());
  input.on('error', (error: Error) => items.destroy(error));
  const iterator = (items as AsyncIterable<{ value: unknown }>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<{ value: unknown }>;
    try {
      next = await iterator.next();
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw error; // a file system error
      throw new Error(`The export is not dumpdata JSON: ${(error as Error).message}`);
    }
    if (next.done) return;
    const value = next.value.value;
    if (!isRecord(value)) {
      throw new Error(
        'The export is not dumpdata JSON: each element must be {"model", "pk", "fields"}',
      );
    }
    yield value;
  }
}

function isRecord(value: unknown): value is DjangoRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.model === 'string' &&
    typeof record.fields === 'object' &&
    record.fields !== null &&
    !Array.isArray(record.fields)
  );
}
