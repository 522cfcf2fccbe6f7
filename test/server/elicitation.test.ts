/**
 * The person in the loop: destructive calls confirmed through the client's elicitation handler
 * (VAULT_MCP_CONFIRM), values revealed only on an explicit accept (VAULT_MCP_REVEAL_SECRETS=ask),
 * and fail-closed when the client cannot ask. Real OpenBao, real SDK client and server.
 */
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect, textOf, type McpHarness } from '../support/mcp.js';
import { adminRequest, mountEngine } from '../support/vault.js';

/** A client whose person answers `answers` in turn (then `decline`), recording every question. */
async function person(
  env: Record<string, string>,
  answers: Array<ElicitResult['action']>,
): Promise<McpHarness & { asked: string[] }> {
  const asked: string[] = [];
  const mcp = await connect(env, {
    capabilities: { elicitation: {} },
    setup: (client) =>
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        const action = answers.shift() ?? 'decline';
        return action === 'accept' ? { action, content: {} } : { action };
      }),
  });
  return Object.assign(mcp, { asked });
}

let mount: string;
const versionOne = async (path: string): Promise<unknown> =>
  ((await adminRequest('GET', `${mount}/data/${path}?version=1`)) as { data: { data: unknown } })
    .data.data;

beforeAll(async () => {
  mount = await mountEngine('hitl', 'kv-v2');
});

describe('confirmation of destructive calls (VAULT_MCP_CONFIRM)', () => {
  it('decline: nothing changes, the result says the user declined, and the question names what is lost', async () => {
    await adminRequest('POST', `${mount}/data/keep`, { data: { password: 'pw-keep' } });
    const mcp = await person({}, ['decline']);
    const text = await mcp.fails('destroy_secret_versions', {
      mount,
      path: 'keep',
      versions: [1],
    });
    expect(text).toBe(
      'The user declined destroy_secret_versions: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(mcp.asked).toEqual([
      `The assistant wants to run destroy_secret_versions. Permanently destroy the data of version 1 of ${mount}/keep. This cannot be undone. Allow this once?`,
    ]);
    expect(await versionOne('keep')).toEqual({ password: 'pw-keep' });
    await mcp.close();
  });

  it('cancel: the mount stays', async () => {
    const doomed = await mountEngine('hitl-mount', 'kv-v2');
    const mcp = await person({}, ['cancel']);
    expect(await mcp.fails('delete_mount', { path: doomed })).toBe(
      'The user cancelled delete_mount: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(mcp.asked).toEqual([
      `The assistant wants to run delete_mount. Disable the mount '${doomed}': every secret, key, certificate and setting stored in it is deleted, with all versions. This cannot be undone. Allow this once?`,
    ]);
    const mounts = (await adminRequest('GET', 'sys/mounts')) as { data: Record<string, unknown> };
    expect(Object.keys(mounts.data)).toContain(`${doomed}/`);
    await mcp.close();
  });

  it('accept: the call runs; additive calls are not asked about by default, all of them with VAULT_MCP_CONFIRM=all', async () => {
    await adminRequest('POST', `${mount}/data/gone`, { data: { k: 'v' } });
    const mcp = await person({}, ['accept']);
    await mcp.ok('delete_secret_metadata', { mount, path: 'gone' });
    await expect(adminRequest('GET', `${mount}/metadata/gone`)).rejects.toThrow(/404/);
    const created = `hitl-new-${Date.now()}`;
    await mcp.ok('create_mount', { type: 'kv-v2', path: created });
    expect(mcp.asked).toHaveLength(1);
    await mcp.close();

    const strict = await person({ VAULT_MCP_CONFIRM: 'all' }, ['decline']);
    expect(await strict.fails('create_mount', { type: 'kv-v2', path: `${created}-b` })).toBe(
      'The user declined create_mount: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(strict.asked).toEqual([
      `The assistant wants to run create_mount. Create mount (create_mount) with type=kv-v2 path=${created}-b. Allow this once?`,
    ]);
    await strict.close();
  });

  it('the question says what a write keeps: one key merges, data replaces; one version is "version"', async () => {
    await adminRequest('POST', `${mount}/data/words`, { data: { user: 'u', password: 'pw' } });
    const mcp = await person({ VAULT_MCP_CONFIRM: 'all' }, []);
    await mcp.fails('write_secret', { mount, path: 'words', key: 'password', value: 'pw-2' });
    await mcp.fails('write_secret', { mount, path: 'words', data: { user: 'u2', token: 't' } });
    await mcp.fails('destroy_secret_versions', { mount, path: 'words', versions: [1] });
    await mcp.fails('delete_secret_versions', { mount, path: 'words', versions: [1, 2] });
    expect(mcp.asked).toEqual([
      `The assistant wants to run write_secret. Set the key password of ${mount}/words (value not shown); its other keys are kept. On KV v2 this is a new version and the previous one stays readable unless max_versions prunes it; on KV v1 the key's previous value is gone for good. Allow this once?`,
      `The assistant wants to run write_secret. Replace ${mount}/words with the keys token, user (values not shown): keys not given are removed. On KV v2 this is a new version and the previous one stays readable unless max_versions prunes it; on KV v1 the current data is gone for good. Allow this once?`,
      `The assistant wants to run destroy_secret_versions. Permanently destroy the data of version 1 of ${mount}/words. This cannot be undone. Allow this once?`,
      `The assistant wants to run delete_secret_versions. Soft-delete versions 1, 2 of ${mount}/words (undelete_secret_versions restores them). Allow this once?`,
    ]);
    expect(
      ((await adminRequest('GET', `${mount}/data/words`)) as { data: { data: unknown } }).data.data,
    ).toEqual({ user: 'u', password: 'pw' });
    await mcp.close();
  });

  it('patch_secret overwrites and removes keys, so it is confirmed like write_secret (attack-6 F1)', async () => {
    await adminRequest('POST', `${mount}/data/patched`, { data: { api_key: 'ak-1', user: 'u' } });
    const mcp = await person({ VAULT_MCP_TOOLSETS: 'all' }, ['decline', 'decline', 'decline']);
    expect(
      await mcp.fails('patch_secret', {
        mount,
        path: 'patched',
        data: { api_key: null, user: 'u2', region: 'eu' },
      }),
    ).toBe(
      'The user declined patch_secret: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(
      await mcp.fails('kv_v2_patch', { mount, path: 'patched', data: { api_key: null } }),
    ).toBe(
      'The user declined kv_v2_patch: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(await mcp.fails('kv_v2_write', { mount, path: 'patched', data: { user: 'u3' } })).toBe(
      'The user declined kv_v2_write: nothing was changed. Do not retry it unless the user asks for it.',
    );
    // The raw operations name the keys at stake as the hand-written tools do (review finding 1).
    expect(mcp.asked).toEqual([
      `The assistant wants to run patch_secret. Set the keys region, user and remove the key api_key of ${mount}/patched (values not shown); other keys are kept. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?`,
      `The assistant wants to run kv_v2_patch. Remove the key api_key of ${mount}/patched; other keys are kept. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?`,
      `The assistant wants to run kv_v2_write. Replace ${mount}/patched with the key user (values not shown): keys not given are removed. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?`,
    ]);
    expect(
      ((await adminRequest('GET', `${mount}/data/patched`)) as { data: { data: unknown } }).data
        .data,
    ).toEqual({ api_key: 'ak-1', user: 'u' });
    await mcp.close();
  });

  it('VAULT_MCP_CONFIRM=never asks nothing', async () => {
    await adminRequest('POST', `${mount}/data/never`, { data: { k: 'v' } });
    const mcp = await person({ VAULT_MCP_CONFIRM: 'never' }, []);
    await mcp.ok('delete_secret_metadata', { mount, path: 'never' });
    expect(mcp.asked).toEqual([]);
    await mcp.close();
  });

  it('fails closed: confirmation required and a client that cannot elicit gets a refusal saying how to allow it', async () => {
    await adminRequest('POST', `${mount}/data/closed`, { data: { password: 'pw-closed' } });
    const mcp = await connect({ VAULT_MCP_CONFIRM: 'destructive' });
    expect(
      await mcp.fails('destroy_secret_versions', { mount, path: 'closed', versions: [1] }),
    ).toBe(
      "destroy_secret_versions was not run: it needs the user's confirmation (VAULT_MCP_CONFIRM=destructive), and the user cannot be asked in this session (the client does not declare the elicitation capability, or the server runs in stateless HTTP mode). Nothing was changed. Use a client that supports elicitation, or the operator can restart vault-mcp with VAULT_MCP_CONFIRM=never to allow such calls without asking.",
    );
    expect(await versionOne('closed')).toEqual({ password: 'pw-closed' });
    await mcp.close();
  });

  it('the model cannot answer its own confirmation: no argument or _meta stands in for the user', async () => {
    await adminRequest('POST', `${mount}/data/self`, { data: { password: 'pw-self' } });
    const mcp = await person({}, ['decline', 'decline']);
    // A made-up "confirmed" argument is refused by the strict input schema, before any question.
    expect(
      await mcp.fails('destroy_secret_versions', {
        mount,
        path: 'self',
        versions: [1],
        confirmed: true,
      }),
    ).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool destroy_secret_versions: Unrecognized key: "confirmed"',
    );
    expect(mcp.asked).toEqual([]);
    // An "accept" in the request's _meta is ignored: the user is still asked, and says no.
    const result = (await mcp.client.request(
      {
        method: 'tools/call',
        params: {
          name: 'destroy_secret_versions',
          arguments: { mount, path: 'self', versions: [1] },
          _meta: { confirm: 'accept', elicitation: { action: 'accept' } },
        },
      },
      (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema,
    )) as CallToolResult;
    expect(textOf(result)).toBe(
      'The user declined destroy_secret_versions: nothing was changed. Do not retry it unless the user asks for it.',
    );
    expect(mcp.asked).toHaveLength(1);
    expect(await versionOne('self')).toEqual({ password: 'pw-self' });
    await mcp.close();
  });
});

describe('VAULT_MCP_REVEAL_SECRETS=ask', () => {
  it('reveals only on an explicit accept, only for that call', async () => {
    await adminRequest('POST', `${mount}/data/app`, {
      data: { password: 'pw-ask', username: 'svc' },
    });
    const mcp = await person({ VAULT_MCP_REVEAL_SECRETS: 'ask' }, ['accept', 'decline']);
    const first = await mcp.ok('read_secret', { mount, path: 'app' });
    expect(first).toMatchObject({
      keys: ['password', 'username'],
      version: 1,
      values_withheld: false,
      data: { password: 'pw-ask', username: 'svc' },
    });
    const question = `The assistant asks to see the values of password, username of ${mount}/app (version 1) (read_secret). They will be sent to the AI model. Allow for this call only?`;
    expect(mcp.asked).toEqual([question]);
    const second = await mcp.call('read_secret', { mount, path: 'app' });
    expect(second.structuredContent).toMatchObject({ values_withheld: true });
    expect(second.structuredContent).not.toHaveProperty('data');
    expect(textOf(second)).not.toContain('pw-ask');
    expect(textOf(second)).toContain(
      'The user did not allow the values to be shown (decline); they stay withheld.',
    );
    expect(mcp.asked).toEqual([question, question]);
    await mcp.close();
  });

  it('without elicitation behaves as reveal off', async () => {
    await adminRequest('POST', `${mount}/data/quiet`, { data: { password: 'pw-quiet' } });
    const mcp = await connect({ VAULT_MCP_REVEAL_SECRETS: 'ask' });
    const result = await mcp.call('read_secret', { mount, path: 'quiet' });
    expect(result.structuredContent).toMatchObject({ keys: ['password'], values_withheld: true });
    expect(JSON.stringify(result)).not.toContain('pw-quiet');
    await mcp.close();
  });
});

describe('VAULT_MCP_REVEAL_SECRETS=ask on a raw read', () => {
  it('kv_v2_read reveals the version the person was asked about, not one written meanwhile', async () => {
    await adminRequest('POST', `${mount}/data/raw`, { data: { password: 'pw-v1' } });
    const asked: string[] = [];
    const mcp = await connect(
      { VAULT_MCP_REVEAL_SECRETS: 'ask', VAULT_MCP_TOOLS: 'kv_v2_read' },
      {
        capabilities: { elicitation: {} },
        setup: (client) =>
          client.setRequestHandler(ElicitRequestSchema, async (request) => {
            asked.push(request.params.message);
            // While the person reads the question, someone writes version 2 with another key.
            await adminRequest('POST', `${mount}/data/raw`, {
              data: { password: 'pw-v2', api_key: 'ak-v2' },
            });
            return { action: 'accept', content: {} };
          }),
      },
    );
    const result = await mcp.call('kv_v2_read', { mount, path: 'raw' });
    expect(asked).toEqual([
      `The assistant asks to see the values of data.password of ${mount}/raw (version 1) (kv_v2_read). They will be sent to the AI model. Allow for this call only?`,
    ]);
    expect(result.structuredContent).toMatchObject({
      data: { data: { password: 'pw-v1' }, metadata: { version: 1 } },
    });
    expect(JSON.stringify(result)).not.toContain('v2');
    await mcp.close();
  });
});
