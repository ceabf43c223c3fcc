import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, SsoError } from './sso-error';

/**
 * The one validation pipe: unknown fields are refused, and every failure becomes a
 * `validation_failed` error listing each field with its message.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new SsoError('validation_failed', 'The request is invalid', flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}
