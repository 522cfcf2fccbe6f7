/**
 * A third-party client: the MCP Inspector's CLI mode lists the tools of the built binary and
 * calls list_mounts. The package is @modelcontextprotocol/inspector-cli (the CLI that
 * `npx @modelcontextprotocol/inspector --cli` runs), because the umbrella package declares Node >= 22.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../../scripts/lib/openbao.js';
import { devServer } from '../support/vault.js';

const run = promisify(execFile);
const inspectorBuild = dirname(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli'),
);

async function inspector(...args: string[]): Promise<unknown> {
  const { address, token } = devServer();
  const { stdout } = await run(
    process.execPath,
    [
      join(inspectorBuild, 'cli.js'),
      '--cli',
      '-e',
      `VAULT_ADDR=${address}`,
      '-e',
      `VAULT_TOKEN=${token}`,
      '-e',
      'HOME=/nonexistent',
      process.execPath,
      cliPath,
      ...args,
    ],
    // inspector-cli 1.0.3 finds its own package.json relative to the working directory.
    { cwd: inspectorBuild, timeout: 120_000 },
  );
  return JSON.parse(stdout.slice(stdout.indexOf('{')));
}

// Each inspector run spawns node twice (the inspector, then vault-mcp): slow on a busy machine.
describe('MCP Inspector CLI', () => {
  it('lists the tools and calls list_mounts', async () => {
    const listed = (await inspector('--method', 'tools/list')) as {
      tools: Array<{ name: string; annotations: Record<string, boolean> }>;
    };
    expect(listed.tools).toHaveLength(34);
    expect(listed.tools.find((t) => t.name === 'read_secret')?.annotations).toEqual({
      readOnlyHint: true,
      openWorldHint: false,
    });
    const called = (await inspector('--method', 'tools/call', '--tool-name', 'list_mounts')) as {
      structuredContent: { mounts: Array<{ path: string; type: string; kv_version?: number }> };
    };
    expect(called.structuredContent.mounts.find((m) => m.path === 'secret')).toMatchObject({
      type: 'kv',
      kv_version: 2,
    });
  }, 300_000);
});
