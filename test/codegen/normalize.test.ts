import { describe, expect, it } from 'vitest';
import {
  canonicalizeLists,
  dropMountDefaults,
  dropRegexPaths,
  durations,
  fixExportedEnum,
  normalize,
  openMaps,
  uniqueOperationIds,
} from '../../codegen/normalize.js';
import type { OpenApiDocument, Schema } from '../../codegen/openapi.js';

function doc(
  paths: OpenApiDocument['paths'],
  schemas: Record<string, Schema> = {},
): OpenApiDocument {
  return { openapi: '3.0.2', info: { title: 'T', version: '1' }, paths, components: { schemas } };
}

describe('dropRegexPaths', () => {
  it('drops router artefacts with ^ or $', () => {
    const d = doc({ '/{kv_v2_mount_path}/^.*$': {}, '/ok': {} });
    expect(dropRegexPaths(d)).toBe(1);
    expect(Object.keys(d.paths)).toEqual(['/ok']);
  });
});

describe('canonicalizeLists', () => {
  const list = { name: 'list', in: 'query' as const, schema: { type: 'string' } };
  const scan = { name: 'scan', in: 'query' as const, schema: { type: 'string' } };

  it('splits an OpenBao read+list GET into a read and a LIST on the path with a trailing slash', () => {
    const d = doc({
      '/{m}/{path}': {
        description: 'secrets',
        parameters: [{ name: 'path', in: 'path', required: true }],
        'x-vault-createSupported': true,
        get: { operationId: 'kv-read-path', parameters: [list, scan] },
        post: { operationId: 'kv-write-path' },
      },
    });
    expect(canonicalizeLists(d)).toBe(1);
    expect(d.paths['/{m}/{path}']?.get).toEqual({ operationId: 'kv-read-path' });
    expect(d.paths['/{m}/{path}/']).toEqual({
      description: 'secrets',
      parameters: [{ name: 'path', in: 'path', required: true }],
      get: {
        operationId: 'kv-read-path-list',
        parameters: [
          {
            name: 'list',
            in: 'query',
            required: true,
            description: 'Must be set to `true`',
            schema: { type: 'string', enum: ['true'] },
          },
        ],
      },
    });
  });

  it('moves a list-only GET (operationId says list) and drops the emptied path', () => {
    const d = doc({
      '/{pki}/roles': { get: { operationId: 'pki-list-roles', parameters: [list] } },
    });
    canonicalizeLists(d);
    expect(Object.keys(d.paths)).toEqual(['/{pki}/roles/']);
    expect(d.paths['/{pki}/roles/']?.get?.operationId).toBe('pki-list-roles');
  });

  it('leaves HashiCorp-style LIST paths alone', () => {
    const d = doc({
      '/{pki}/roles/': {
        get: { operationId: 'pki-list-roles', parameters: [{ ...list, required: true }] },
      },
    });
    expect(canonicalizeLists(d)).toBe(0);
  });
});

describe('uniqueOperationIds', () => {
  it('keeps the first use and suffixes later ones with the method, recording the original', () => {
    const d = doc({
      '/a': { get: { operationId: 'read' }, post: { operationId: 'read' } },
      '/b': { get: { operationId: 'read' } },
      '/c': { delete: {} },
    });
    expect(uniqueOperationIds(d)).toBe(2);
    expect(d.paths['/a']?.get?.operationId).toBe('read');
    expect(d.paths['/a']?.post).toEqual({
      operationId: 'read-post',
      'x-vault-mcp-original-operation-id': 'read',
    });
    expect(d.paths['/b']?.get?.operationId).toBe('read-get');
    expect(d.paths['/c']?.delete?.operationId).toBe('delete-c');
  });
});

describe('schemas', () => {
  it('opens maps and string maps', () => {
    const d = doc(
      {},
      {
        R: {
          type: 'object',
          properties: {
            m: { type: 'object', format: 'map' },
            kv: { type: 'object', format: 'kvpairs' },
          },
        },
      },
    );
    expect(openMaps(d)).toBe(2);
    expect(d.components?.schemas?.['R']?.properties).toEqual({
      m: { type: 'object', format: 'map', additionalProperties: true },
      kv: { type: 'object', format: 'kvpairs', additionalProperties: { type: 'string' } },
    });
  });

  it('turns both duration spellings into string-or-integer and drops integer defaults', () => {
    const d = doc(
      {},
      {
        R: {
          type: 'object',
          properties: {
            ttl: { type: 'string', format: 'duration', default: '72h', description: 'ttl' },
            nbd: { type: 'string', format: 'duration', default: 30 },
            bao: { type: 'integer', format: 'seconds' },
          },
        },
      },
    );
    expect(durations(d)).toBe(3);
    const any = [{ type: 'string' }, { type: 'integer' }];
    expect(d.components?.schemas?.['R']?.properties).toEqual({
      ttl: { default: '72h', description: 'ttl', anyOf: any, 'x-vault-mcp-duration': true },
      nbd: { anyOf: any, 'x-vault-mcp-duration': true },
      bao: { anyOf: any, 'x-vault-mcp-duration': true },
    });
  });

  it('fixes the {exported} enum and drops mount defaults', () => {
    const d = doc({
      '/{pki_mount_path}/root/generate/{exported}': {
        parameters: [
          {
            name: 'exported',
            in: 'path',
            schema: { type: 'string', enum: ['internal', 'external', 'kms'] },
          },
          { name: 'pki_mount_path', in: 'path', schema: { type: 'string', default: 'pki' } },
        ],
      },
    });
    expect(fixExportedEnum(d)).toBe(1);
    expect(dropMountDefaults(d)).toBe(1);
    expect(d.paths['/{pki_mount_path}/root/generate/{exported}']?.parameters).toEqual([
      {
        name: 'exported',
        in: 'path',
        schema: { type: 'string', enum: ['internal', 'exported', 'existing', 'kms'] },
      },
      { name: 'pki_mount_path', in: 'path', schema: { type: 'string' } },
    ]);
  });

  it('normalize() works on a copy', () => {
    const input = doc({ '/x/^.*$': {} });
    const { doc: out, stats } = normalize(input);
    expect(Object.keys(input.paths)).toEqual(['/x/^.*$']);
    expect(Object.keys(out.paths)).toEqual([]);
    expect(stats.regexPathsDropped).toBe(1);
  });
});
