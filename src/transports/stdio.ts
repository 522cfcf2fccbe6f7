/** stdio transport: one MCP session over stdin/stdout; everything else goes to stderr. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../log.js';

/**
 * Serve `server` on stdin/stdout until stdin closes or SIGINT/SIGTERM arrives, then call
 * `onClose` (close the Vault client) and resolve.
 */
export async function serveStdio(
  server: McpServer,
  log: Logger,
  onClose: () => Promise<void>,
): Promise<void> {
  const transport = new StdioServerTransport();
  let closing = false;
  const done = new Promise<void>((resolve) => {
    const shutdown = async (why: string): Promise<void> => {
      if (closing) return;
      closing = true;
      log.info({ why }, 'shutting down');
      await server.close().catch(() => undefined);
      await onClose().catch(() => undefined);
      resolve();
    };
    process.stdin.once('end', () => void shutdown('stdin closed'));
    process.stdin.once('close', () => void shutdown('stdin closed'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  });
  await server.connect(transport);
  await done;
}
