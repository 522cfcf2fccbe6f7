/**
 * The MCP conformance suite (server mode) against `vault-mcp http`, with the committed baseline
 * of scenarios that need tools, resources or prompts this server deliberately lacks. The suite
 * exits non-zero on an unexpected failure and on a stale baseline entry.
 * @modelcontextprotocol/conformance is pinned to 0.1.13: later versions import fs.globSync, which
 * Node 20 does not have.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/openbao.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { candidateTools } from '../../src/server/server.js';
import { startHttpServer, type HttpServerHandle } from '../../src/transports/http.js';
import { devServer } from '../support/vault.js';

const run = promisify(execFile);
let server: HttpServerHandle;
let workdir = '';

beforeAll(async () => {
  const { address, token } = devServer();
  const config = loadConfig(
    {
      VAULT_ADDR: address,
      VAULT_TOKEN: token,
      HOME: '/nonexistent',
      TRANSPORT_PORT: '0',
      MCP_RATE_LIMIT_GLOBAL: 'off',
      MCP_RATE_LIMIT_SESSION: 'off',
      VAULT_MCP_ALLOW_ROOT_TOKEN: 'true',
    },
    undefined,
    { transport: 'streamable-http' },
  );
  server = await startHttpServer(config, createLogger('silent'), await candidateTools(config));
  workdir = mkdtempSync(join(tmpdir(), 'vault-mcp-conformance-'));
});
afterAll(async () => {
  await server.close();
  rmSync(workdir, { recursive: true, force: true });
});

describe('MCP conformance suite', () => {
  it('passes every scenario outside the baseline, and the baseline is not stale', async () => {
    const { stdout } = await run(
      join(repoRoot, 'node_modules', '.bin', 'conformance'),
      [
        'server',
        '--url',
        server.url,
        '--expected-failures',
        join(repoRoot, 'test', 'conformance-baseline.yml'),
      ],
      { cwd: workdir, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(stdout).toContain('Baseline check passed: all failures are expected.');
    const total = /Total: (\d+) passed, (\d+) failed/.exec(stdout);
    // 8 checks: server-sse-multiple-streams has one check fewer for servers that answer POSTs
    // with JSON (enableJsonResponse) instead of an event stream.
    expect(Number(total?.[1])).toBe(8);
    for (const scenario of [
      'server-initialize',
      'ping',
      'tools-list',
      'tools-call-simple-text',
      'tools-call-error',
      'server-sse-multiple-streams',
      'dns-rebinding-protection',
    ]) {
      expect(stdout).toMatch(new RegExp(`✓ ${scenario}: \\d+ passed, 0 failed`));
    }
  }, 300_000);
});
