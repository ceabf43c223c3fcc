import { ValidateIf } from 'class-validator';

/**
 * An optional body or query field: when it is absent (`undefined`) its other rules are skipped.
 * Unlike class-validator's `@IsOptional()`, `null` is not absence: it is checked like any other
 * value, so `{"email": null}` gets the field's type error (400) instead of reaching a service.
 */
export const Optional = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);
