import { describe, expect, it } from 'vitest';
import type { AllowRule } from '../../codegen/allowlist.js';
import type { OpenApiDocument } from '../../codegen/openapi.js';
import { select, snakeCase } from '../../codegen/select.js';

const document: OpenApiDocument = {
  openapi: '3.0.2',
  info: { title: 'T', version: '1' },
  paths: {
    '/{kv_v2_mount_path}/data/{path}': {
      description: 'Write, Patch, Read, and Delete data in the Key-Value Store.',
      parameters: [
        {
          name: 'path',
          in: 'path',
          required: true,
          description: 'Location of the secret.',
          schema: { type: 'string' },
        },
        { name: 'kv_v2_mount_path', in: 'path', required: true, schema: { type: 'string' } },
      ],
      'x-vault-createSupported': true,
      get: { operationId: 'kv-read-data-path' },
      post: {
        operationId: 'kv-write-data-path',
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/W' } } },
        },
      },
    },
    '/{pki_mount_path}/roles/': {
      get: {
        operationId: 'pki-list-roles',
        parameters: [
          { name: 'list', in: 'query', required: true, schema: { type: 'string', enum: ['true'] } },
        ],
      },
    },
    '/{pki_mount_path}/acme/new-nonce': { get: { operationId: 'pki-read-acme-new-nonce' } },
    '/{pki_mount_path}/root': { 'x-vault-sudo': true, delete: { operationId: 'pki-delete-root' } },
  },
  components: {
    schemas: {
      W: {
        type: 'object',
        properties: {
          data: { type: 'object', additionalProperties: true, description: 'The data.' },
          max: {
            anyOf: [{ type: 'string' }, { type: 'integer' }],
            default: 3,
            description: 'Max.',
          },
        },
      },
      Unused: { type: 'object' },
    },
  },
};

const rules: AllowRule[] = [
  {
    methods: ['GET'],
    path: '/{kv_v2_mount_path}/data/{path}',
    toolset: 'kv',
    name: 'kv_v2_read',
    secretFields: ['data.*'],
  },
  {
    methods: ['POST'],
    path: '/{kv_v2_mount_path}/data/{path}',
    toolset: 'kv',
    name: 'kv_v2_write',
    destructive: false,
  },
  { path: /acme/, exclude: true, reason: 'protocol' },
  { path: /^\/\{pki_mount_path\}\//, toolset: 'pki' },
];

describe('select', () => {
  const selection = select(document, rules);
  const byName = Object.fromEntries(selection.operations.map((op) => [op.toolName, op]));

  it('selects by rule, records exclusions and keeps only reachable schemas', () => {
    expect(Object.keys(byName).sort()).toEqual([
      'kv_v2_read',
      'kv_v2_write',
      'pki_delete_root',
      'pki_list_roles',
    ]);
    expect(selection.excluded).toEqual([
      { method: 'GET', path: '/{pki_mount_path}/acme/new-nonce', reason: 'protocol' },
    ]);
    expect(Object.keys(selection.filtered.components?.schemas ?? {})).toEqual(['W']);
  });

  it('derives method, ACL path, capabilities and annotations', () => {
    expect(byName['pki_list_roles']).toMatchObject({
      method: 'LIST',
      acl: { path: '{mount}/roles/', capabilities: ['list'] },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    });
    expect(byName['kv_v2_write']).toMatchObject({
      method: 'POST',
      acl: { path: '{mount}/data/{path}', capabilities: ['create', 'update'] },
      write: true,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      requestContentType: 'application/json',
    });
    expect(byName['pki_delete_root']).toMatchObject({
      sudo: true,
      acl: { capabilities: ['delete', 'sudo'] },
      annotations: { destructiveHint: true, idempotentHint: true },
    });
  });

  it('flattens mount, path parameters and body properties into one strict input without defaults', () => {
    expect(byName['kv_v2_write']?.fields).toEqual([
      { input: 'mount', in: 'path', name: 'kv_v2_mount_path' },
      { input: 'path', in: 'path', name: 'path' },
      { input: 'data', in: 'body', name: 'data' },
      { input: 'max', in: 'body', name: 'max' },
    ]);
    expect(byName['kv_v2_write']?.inputSchema).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['mount', 'path'],
      properties: {
        mount: {
          type: 'string',
          minLength: 1,
          description:
            'Path of the KV version 2 secrets engine mount, without a trailing slash (e.g. `secret`, `team/kv`).',
        },
        path: { type: 'string', minLength: 1, description: 'Location of the secret.' },
        data: { type: 'object', additionalProperties: true, description: 'The data.' },
        max: {
          anyOf: [{ type: 'string' }, { type: 'integer' }],
          description: 'Max. (Vault default: 3)',
        },
      },
    });
    expect(byName['pki_list_roles']?.inputSchema.required).toEqual(['mount']);
  });

  it('rejects duplicate tool names', () => {
    const clash: AllowRule[] = [{ path: /data/, toolset: 'kv', name: 'same' }];
    expect(() => select(document, clash)).toThrow(
      'tool name same is used by kv-read-data-path and kv-write-data-path: add a name to the allowlist',
    );
  });

  it('snake-cases operation ids', () => {
    expect(snakeCase('pki-issue-with-role')).toBe('pki_issue_with_role');
    expect(snakeCase('kvV2Read')).toBe('kv_v2_read');
  });
});
