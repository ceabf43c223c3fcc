/** A user with this email or username already exists. */
export class UserConflictError extends Error {
  constructor(field: 'email' | 'username', value: string) {
    super(`A user with ${field} "${value}" already exists`);
    this.name = 'UserConflictError';
  }
}

/** No user matches. */
export class UserNotFoundError extends Error {
  constructor(login: string) {
    super(`No user "${login}"`);
    this.name = 'UserNotFoundError';
  }
}
