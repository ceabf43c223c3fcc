/**
 * The email or username is taken: another user has it as their email or as their username
 * (usernames and emails are one namespace of login names).
 */
export class UserConflictError extends Error {
  constructor(
    readonly field: 'email' | 'username',
    value: string,
  ) {
    super(`Another user already logs in as "${value}" (as their email or username)`);
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
