import { beforeAll, describe, expect, it } from 'vitest';
import {
  kvDelete,
  kvDeleteMetadata,
  kvList,
  kvPatch,
  kvRead,
  kvReadMetadata,
  kvVersions,
  kvWrite,
  kvWriteMetadata,
  readMountInfo,
  VaultInputError,
  VaultResponseError,
  createVaultClient,
} from '../../src/index.js';
import {
  countingFetch,
  devServer,
  mountEngine,
  rootClient,
  scopedToken,
} from '../support/vault.js';

const vault = rootClient();
let v1 = '';
let v2 = '';

beforeAll(async () => {
  v1 = await mountEngine('client-kv1', 'kv-v1');
  v2 = await mountEngine('client-kv2', 'kv-v2');
});

describe('mount detection', () => {
  it('reports type and KV version from sys/internal/ui/mounts, also for a path inside the mount', async () => {
    const info = await readMountInfo(vault, `${v2}/some/secret`);
    expect(info.path).toBe(`${v2}/`);
    expect(info.type).toBe('kv');
    expect(info.kvVersion).toBe(2);
    expect((await readMountInfo(vault, `${v1}/`)).kvVersion).toBe(1);
  });
});

describe.each([
  ['KV v1', 1 as const],
  ['KV v2', 2 as const],
])('%s round trip', (_name, version) => {
  const mount = (): string => (version === 1 ? v1 : v2);
  const odd = 'team/app with space/db.conf/ключ';

  it('writes and reads nested paths whose segments hold spaces, dots and unicode', async () => {
    const data = { 'user name': 'app user', 'p.w': 'ünïcødé-✓', empty: '' };
    await kvWrite(vault, mount(), odd, version, data);
    const read = await kvRead(vault, mount(), odd, version);
    expect(read?.data).toEqual(data);
    expect(await kvList(vault, mount(), 'team', version)).toEqual(['app with space/']);
    expect(await kvList(vault, mount(), 'team/app with space/', version)).toEqual(['db.conf/']);
    expect(await kvList(vault, mount(), 'team/app with space/db.conf', version)).toEqual(['ключ']);
  });

  it('lists the top level with an empty path and gives [] for an empty or missing folder', async () => {
    expect(await kvList(vault, mount(), '', version)).toEqual(['team/']);
    expect(await kvList(vault, mount(), 'no/such/folder', version)).toEqual([]);
  });

  it('gives undefined for a secret never written', async () => {
    expect(await kvRead(vault, mount(), 'never/written', version)).toBeUndefined();
  });

  it('deletes', async () => {
    await kvWrite(vault, mount(), 'to-delete', version, { a: '1' });
    await kvDelete(vault, mount(), 'to-delete', version);
    const after = await kvRead(vault, mount(), 'to-delete', version);
    if (version === 1) expect(after).toBeUndefined();
    else {
      expect(after?.data).toBeNull();
      expect(after?.metadata?.version).toBe(1);
      expect(after?.metadata?.deletion_time).not.toBe('');
    }
  });
});

describe('KV v2 lifecycle', () => {
  it('versions, check-and-set, patch, soft delete, undelete, destroy, metadata', async () => {
    const path = 'life/cycle';
    const first = await kvWrite(vault, v2, path, 2, { a: '1' }, { cas: 0 });
    expect(first?.version).toBe(1);
    // cas 0 means "only if absent": a second cas-0 write is refused.
    const refused = await kvWrite(vault, v2, path, 2, { a: '2' }, { cas: 0 }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(VaultResponseError);
    expect((refused as VaultResponseError).status).toBe(400);
    expect((refused as VaultResponseError).errors.join(' ')).toMatch(/check-and-set/);
    const second = await kvPatch(vault, v2, path, 2, { b: '2' }, { cas: 1 });
    expect(second?.version).toBe(2);
    expect((await kvRead(vault, v2, path, 2))?.data).toEqual({ a: '1', b: '2' });
    expect((await kvRead(vault, v2, path, 2, { version: 1 }))?.data).toEqual({ a: '1' });

    await kvVersions(vault, v2, path, 2, 'delete', [2]);
    const deleted = await kvRead(vault, v2, path, 2);
    expect(deleted?.data).toBeNull();
    expect(deleted?.metadata?.version).toBe(2);
    await kvVersions(vault, v2, path, 2, 'undelete', [2]);
    expect((await kvRead(vault, v2, path, 2))?.data).toEqual({ a: '1', b: '2' });
    await kvVersions(vault, v2, path, 2, 'destroy', [1]);
    const destroyed = await kvRead(vault, v2, path, 2, { version: 1 });
    expect(destroyed?.data).toBeNull();
    expect(destroyed?.metadata?.destroyed).toBe(true);

    await kvWriteMetadata(vault, v2, path, 2, {
      max_versions: 5,
      custom_metadata: { owner: 'team-a' },
    });
    await kvWriteMetadata(vault, v2, path, 2, { cas_required: true });
    const metadata = await kvReadMetadata(vault, v2, path, 2);
    expect(metadata?.current_version).toBe(2);
    expect(metadata?.max_versions).toBe(5);
    expect(metadata?.cas_required).toBe(true);
    expect(metadata?.custom_metadata).toEqual({ owner: 'team-a' });
    expect(Object.keys(metadata?.versions ?? {}).sort()).toEqual(['1', '2']);
    expect(metadata?.versions['1']?.destroyed).toBe(true);

    await kvDeleteMetadata(vault, v2, path, 2);
    expect(await kvReadMetadata(vault, v2, path, 2)).toBeUndefined();
  });

  it('refuses KV v2-only operations on a KV v1 mount with a clear error', async () => {
    await expect(kvPatch(vault, v1, 'x', 1, { a: 1 })).rejects.toThrow(
      'patch needs a KV version 2 mount; this mount is KV version 1',
    );
    await expect(kvWrite(vault, v1, 'x', 1, { a: 1 }, { cas: 0 })).rejects.toThrow(
      'check-and-set (cas) needs a KV version 2 mount',
    );
  });
});

describe('paths on the wire', () => {
  it('keeps / between segments, encodes each segment, and collapses the root LIST slash', async () => {
    const counter = countingFetch();
    const client = rootClient({ fetch: counter.fetch });
    await kvWrite(client, v2, '/a b/c?d#e/', 2, { k: 'v' });
    await kvList(client, v2, '', 2);
    expect(counter.requests).toEqual([
      `POST ${v2}/data/a%20b/c%3Fd%23e`,
      `GET ${v2}/metadata/?list=true`,
    ]);
    expect((await kvRead(vault, v2, 'a b/c?d#e', 2))?.data).toEqual({ k: 'v' });
  });

  it.each([
    '../sys/mounts',
    'a/../../sys',
    './x',
    'a/%2e%2e/b',
    'a/%2E./b',
    'bad\u0007bell',
    'new\nline',
    'lone\uD800surrogate',
  ])('refuses %j before anything is sent', async (path) => {
    const counter = countingFetch();
    const client = rootClient({ fetch: counter.fetch });
    const error = await kvRead(client, v2, path, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultInputError);
    expect((error as VaultInputError).parameter).toBe('path');
    expect(counter.requests).toEqual([]);
  });
});

describe('mount errors', () => {
  it('a missing mount is an error on both versions, not "no secret"', async () => {
    for (const version of [1, 2] as const) {
      const error = await kvRead(vault, 'no-such-mount', 'x', version).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultResponseError);
      expect((error as VaultResponseError).status).toBe(404);
      expect((error as VaultResponseError).errors.join(' ')).toMatch(/no handler for route/);
    }
  });

  it('an empty mount is refused before anything is sent', async () => {
    const counter = countingFetch();
    const client = rootClient({ fetch: counter.fetch });
    const error = await kvRead(client, '/', 'x', 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultInputError);
    expect((error as VaultInputError).message).toBe(
      "invalid kv_v2_mount_path: is empty; give the engine's mount path, e.g. 'secret'",
    );
    expect(counter.requests).toEqual([]);
  });
});

describe('errors', () => {
  it('a 403 for a scoped token names method, path and status, never the token', async () => {
    const token = await scopedToken(`path "${v2}/data/allowed/*" { capabilities = ["read"] }`);
    const client = createVaultClient({ address: devServer().address, token });
    const error = await kvRead(client, v2, 'forbidden/thing', 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultResponseError);
    const e = error as VaultResponseError;
    expect(e.status).toBe(403);
    expect(e.method).toBe('GET');
    expect(e.path).toBe(`${v2}/data/forbidden/thing`);
    expect(e.errors).toEqual(['permission denied']);
    expect(e.message).toBe(
      `Vault answered 403 to GET /v1/${v2}/data/forbidden/thing: permission denied`,
    );
    expect(e.message).not.toContain(token);
  });
});
