import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, SsoError } from './sso-error';

/** Deepest nesting a request body or query may have; the DTOs are flat, so this is generous. */
const MAX_DEPTH = 8;
/** Keys that mean prototype pollution, whatever the DTO says. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The one validation pipe: bodies and queries must be objects, bounded in depth, free of NUL
 * characters (PostgreSQL text cannot hold them) and of prototype keys; unknown fields are
 * refused; and every failure becomes a `validation_failed` error listing each field with its
 * message.
 */
export function createValidationPipe(): ValidationPipe {
  return new HygienicValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new SsoError('validation_failed', 'The request is invalid', flatten(errors)),
  });
}

class HygienicValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const dto = metadata.metatype !== undefined && metadata.metatype !== Object;
      // No body at all is fine (`POST /authorize` usually has none); a non-object body is not.
      if (
        dto &&
        value !== undefined &&
        (typeof value !== 'object' || value === null || Array.isArray(value))
      ) {
        throw new SsoError('malformed_request', 'The body must be a JSON object');
      }
      inspect(value);
    }
    return super.transform(value, metadata);
  }
}

/** Walks the value without recursion, so that no nesting can overflow the stack. */
function inspect(root: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) fail(path, `${path} must not contain NUL characters`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH)
      throw new SsoError('malformed_request', 'The body is nested too deeply');
    for (const key of Object.keys(value)) {
      const field = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) fail(field, `property ${field} should not exist`);
      stack.push({ value: (value as Record<string, unknown>)[key], path: field, depth: depth + 1 });
    }
  }
}

function fail(field: string, message: string): never {
  throw new SsoError('validation_failed', 'The request is invalid', [{ field, message }]);
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}
