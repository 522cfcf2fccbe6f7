/**
 * The one rule for a mount or prefix written into a Vault policy, shared by the policy generator
 * and the configuration check of VAULT_MCP_KV_PREFIX (so a prefix the policy would refuse is
 * refused at start-up, not at the first prompt).
 */
import { normalizePath } from './client/paths.js';
import { VaultInputError } from './client/errors.js';

/**
 * What makes `name` (normalized) unfit for a policy path part, starting `holds …`, or undefined:
 * Vault's ACL reads `+` as any one segment and `*` as any suffix, so a mount or prefix holding
 * one would grant far more than the name says; a quote, brace (`{{identity…}}` templating), `$`,
 * `\` or space would change the HCL.
 */
export function literalNameProblem(name: string): string | undefined {
  const wildcard = /[+*]/.exec(name);
  if (wildcard)
    return `holds '${wildcard[0]}', which a Vault policy reads as a wildcard (it would grant every matching path); name the mount or prefix plainly, e.g. myapp/`;
  const other = /[^A-Za-z0-9._~@:/-]/.exec(name);
  if (other)
    return `holds ${JSON.stringify(other[0])}; a policy name part may hold letters, digits and . _ ~ @ : - only`;
  return undefined;
}

/**
 * `value` normalized as a policy path part ({@link literalNameProblem}).
 * @throws VaultInputError for a name {@link literalNameProblem} refuses, and as
 *   {@link normalizePath}.
 */
export function literalName(parameter: string, value: string): string {
  const name = normalizePath(parameter, value);
  const problem = literalNameProblem(name);
  if (problem) throw new VaultInputError(parameter, `${JSON.stringify(value)} ${problem}`);
  return name;
}
