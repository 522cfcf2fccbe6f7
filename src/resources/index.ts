/**
 * Every resource and resource template, in the order resources/list and
 * resources/templates/list show them, and their registration on an McpServer (the SDK's
 * `registerResource`, with `ResourceTemplate` list and complete callbacks).
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { beforeRead } from '../server/context.js';
import { redactForModel } from '../server/redact.js';
import { kvMountResource, kvTreeResource } from './kv-tree.js';
import { mountsResource } from './mounts.js';
import {
  pkiCaChainResource,
  pkiIssuerResource,
  pkiIssuersResource,
  pkiRolesResource,
} from './pki.js';
import { policyResource } from './policy.js';
import { wireError } from '../server/errors.js';
import { resourceError, type ResourceDefinition, type ResourceDeps } from './resource.js';

export const RESOURCES: readonly ResourceDefinition[] = [
  mountsResource,
  policyResource,
  kvMountResource,
  kvTreeResource,
  pkiIssuersResource,
  pkiIssuerResource,
  pkiRolesResource,
  pkiCaChainResource,
];

/** Template variables as strings, percent-decoded (`team%2Fkv` is the mount `team/kv`). */
function decoded(variables: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      const text = Array.isArray(value) ? value.join(',') : value;
      try {
        return [name, decodeURIComponent(text)];
      } catch {
        return [name, text];
      }
    }),
  );
}

/** Register {@link RESOURCES} on `server`; reads use `deps.context`'s token. */
export function registerResources(server: McpServer, deps: ResourceDeps): void {
  const { complete } = deps;
  for (const def of RESOURCES) {
    const metadata = { title: def.title, description: def.description, mimeType: def.mimeType };
    const read = async (uri: URL, variables: Record<string, string | string[]>) => {
      try {
        await beforeRead(deps, `resource ${uri.href}`);
        const text = redactForModel(await def.read(uri, decoded(variables), deps), deps.context);
        return { contents: [{ uri: uri.href, mimeType: def.mimeType, text }] };
      } catch (error) {
        throw wireError(resourceError(error, uri.href, deps.context));
      }
    };
    if (def.uri) {
      server.registerResource(def.name, def.uri, metadata, (uri) => read(uri, {}));
      continue;
    }
    const list = def.list;
    const template = new ResourceTemplate(def.template ?? '', {
      list: list
        ? async () => {
            try {
              return { resources: await list(deps) };
            } catch {
              // A token that cannot list mounts still lists the fixed resources.
              return { resources: [] };
            }
          }
        : undefined,
      ...(def.complete ? { complete: def.complete(complete) } : {}),
    });
    server.registerResource(def.name, template, metadata, (uri, variables) => read(uri, variables));
  }
}
