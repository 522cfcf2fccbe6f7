/** `vault-mcp http`: see ./http/index.ts. This path stays for the CLI and library users. */
export {
  allowedHostnames,
  canonicalNamespace,
  startHttpServer,
  type HttpServerHandle,
} from './http/index.js';
