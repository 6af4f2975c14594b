/** Names of tenants and logs, as the API checks them (src/storage/log-catalog.ts isValidName). */
import { isValidName } from '../storage/log-catalog.js';
import { DomainError } from './errors.js';

/** Throws DomainError('bad-request') unless `name` is a valid tenant or log name. */
export function checkName(name: string, what = 'tenant'): void {
  if (typeof name !== 'string' || !isValidName(name))
    throw new DomainError(
      'bad-request',
      `${what} name ${JSON.stringify(String(name).slice(0, 80))} is invalid: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit`,
    );
}
