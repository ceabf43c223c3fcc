/** A key file is missing, unreadable or unusable; the message names the file and the problem. */
export class KeyFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Key file ${file}: ${problem}`);
    this.name = 'KeyFileError';
  }
}

/** The key configuration as a whole cannot work (for example no signing key for the identity). */
export class KeyConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyConfigurationError';
  }
}

/** No key with that kid for that issuer in the key store (`keys:retire --kid`; CLI exit 3). */
export class KeyNotFoundError extends KeyConfigurationError {
  constructor(issuer: string, kid: string) {
    super(`No key "${kid}" for issuer "${issuer}"`);
    this.name = 'KeyNotFoundError';
  }
}
