import { KeySet } from './key-set';

/**
 * Holds the current `KeySet`. Readers take `current` per use, so a reload that swaps the set is
 * atomic for them.
 */
export class KeyStore {
  constructor(private keySet: KeySet) {}

  get current(): KeySet {
    return this.keySet;
  }

  replace(keySet: KeySet): void {
    this.keySet = keySet;
  }
}
