/** An account with this name already exists. */
export class AccountConflictError extends Error {
  constructor(name: string) {
    super(`An account named "${name}" already exists`);
    this.name = 'AccountConflictError';
  }
}

/** No account matches the given id or name. */
export class AccountNotFoundError extends Error {
  constructor(ref: string) {
    super(`No account "${ref}"`);
    this.name = 'AccountNotFoundError';
  }
}
