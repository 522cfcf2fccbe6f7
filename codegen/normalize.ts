/**
 * Normalization of Vault's OpenAPI document before any generator sees it (SPEC-NOTES §6).
 * Every pass is a pure function of the document it is given (it mutates that copy) and returns
 * what it changed, so `make generate` can report it and tests can assert it on tiny fixtures.
 */
import {
  operationsOf,
  type OpenApiDocument,
  type Parameter,
  type PathItem,
  type Schema,
} from './openapi.js';

/** Counts of what `normalize` changed, printed in the generation report. */
export interface NormalizeStats {
  regexPathsDropped: number;
  listOperationsSplit: number;
  operationIdsRenamed: number;
  openMaps: number;
  durations: number;
  exportedEnumsFixed: number;
  mountDefaultsDropped: number;
}

/** Drop paths that are regex artefacts of Vault's router (`/{kv_v2_mount_path}/^.*$`). */
export function dropRegexPaths(doc: OpenApiDocument): number {
  let dropped = 0;
  for (const path of Object.keys(doc.paths)) {
    if (path.includes('^') || path.includes('$')) {
      delete doc.paths[path];
      dropped++;
    }
  }
  return dropped;
}

const LIST_PARAMETER: Parameter = {
  name: 'list',
  in: 'query',
  required: true,
  description: 'Must be set to `true`',
  schema: { type: 'string', enum: ['true'] },
};

function isListFlag(parameter: Parameter): boolean {
  return parameter.in === 'query' && (parameter.name === 'list' || parameter.name === 'scan');
}

/**
 * One canonical form for LIST operations: a GET on a path ending in `/` with a required query
 * parameter `list` whose only value is `"true"` (what HashiCorp's document already does).
 * OpenBao's document instead puts an optional `list` (and `scan`) query parameter on the GET of
 * the path without the slash; that GET is split into a read (if it is also a read) and a LIST.
 * A GET whose operationId names it a list (`pki-list-roles`) is a LIST only.
 */
export function canonicalizeLists(doc: OpenApiDocument): number {
  let split = 0;
  for (const path of Object.keys(doc.paths).sort()) {
    if (path.endsWith('/')) continue;
    const item = doc.paths[path];
    const get = item?.get;
    if (!item || !get?.parameters?.some((p) => p.in === 'query' && p.name === 'list')) continue;
    const listPath = `${path}/`;
    if (doc.paths[listPath]?.get) continue;
    const id = get.operationId ?? '';
    const listFlagRequired = get.parameters.some((p) => isListFlag(p) && p.required === true);
    const listOnly = listFlagRequired || /(^|-)(list|scan)(-|$)/.test(id);
    const listItem: PathItem = { ...(doc.paths[listPath] ?? {}) };
    for (const [key, value] of Object.entries(item)) {
      if (key === 'parameters' || key === 'description' || key.startsWith('x-vault-')) {
        listItem[key] = structuredClone(value);
      }
    }
    delete listItem['x-vault-createSupported'];
    listItem.get = {
      ...structuredClone(get),
      operationId: listOnly ? id : `${id}-list`,
      parameters: [...(get.parameters ?? []).filter((p) => !isListFlag(p)), { ...LIST_PARAMETER }],
    };
    doc.paths[listPath] = listItem;
    if (listOnly) {
      delete item.get;
      if (operationsOf(item).length === 0) delete doc.paths[path];
    } else {
      get.parameters = get.parameters?.filter((p) => !isListFlag(p)) ?? [];
      if (get.parameters.length === 0) delete get.parameters;
    }
    split++;
  }
  return split;
}

/**
 * Make operationIds unique (HashiCorp's document reuses 28 ids 71 times, which breaks tsc on
 * openapi-typescript's output). Paths are visited in sorted order, methods in HTTP_METHODS order;
 * the first use keeps the id, later ones get `-<method>` and then a counter. The original id is
 * kept in `x-vault-mcp-original-operation-id`. Operations without an id get one from method and path.
 */
export function uniqueOperationIds(doc: OpenApiDocument): number {
  const seen = new Set<string>();
  let renamed = 0;
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path];
    if (!item) continue;
    for (const [method, op] of operationsOf(item)) {
      const original =
        op.operationId ?? `${method}${path.replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-+$/, '');
      let id = original;
      if (seen.has(id)) {
        id = `${original}-${method}`;
        for (let n = 2; seen.has(id); n++) id = `${original}-${method}-${n}`;
        op['x-vault-mcp-original-operation-id'] = original;
        renamed++;
      }
      op.operationId = id;
      seen.add(id);
    }
  }
  return renamed;
}

/** Calls `visit` on every schema object of the document (components, parameters, bodies, responses). */
export function walkSchemas(doc: OpenApiDocument, visit: (schema: Schema) => void): void {
  const walk = (schema: Schema | undefined): void => {
    if (!schema || typeof schema !== 'object') return;
    visit(schema);
    for (const child of Object.values(schema.properties ?? {})) walk(child);
    if (schema.items) walk(schema.items);
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties);
    for (const child of schema.anyOf ?? []) walk(child);
  };
  for (const schema of Object.values(doc.components?.schemas ?? {})) walk(schema);
  for (const item of Object.values(doc.paths)) {
    for (const parameter of item.parameters ?? []) walk(parameter.schema);
    for (const [, op] of operationsOf(item)) {
      for (const parameter of op.parameters ?? []) walk(parameter.schema);
      for (const media of Object.values(op.requestBody?.content ?? {})) walk(media.schema);
      for (const response of Object.values(op.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) walk(media.schema);
      }
    }
  }
}

/**
 * Open maps: an object schema without properties is a map (`format: map`) or a string map
 * (`format: kvpairs`); without this openapi-typescript types it `Record<string, never>`.
 */
export function openMaps(doc: OpenApiDocument): number {
  let changed = 0;
  walkSchemas(doc, (schema) => {
    if (schema.type !== 'object' || schema.properties || schema.additionalProperties !== undefined)
      return;
    schema.additionalProperties = schema.format === 'kvpairs' ? { type: 'string' } : true;
    changed++;
  });
  return changed;
}

/**
 * Durations: Vault's `string`/`duration` (HashiCorp) and OpenBao's `integer`/`seconds` fields take
 * both Go duration strings (`"72h"`) and integer seconds. Both become `anyOf: [string, integer]`
 * (not oneOf: json-schema-to-zod turns oneOf into an untyped superRefine). Integer defaults on them
 * are dropped (they broke tsc with zod's `.duration()`); string defaults are kept.
 */
export function durations(doc: OpenApiDocument): number {
  let changed = 0;
  walkSchemas(doc, (schema) => {
    const isDuration =
      (schema.type === 'string' && schema.format === 'duration') ||
      (schema.type === 'integer' && schema.format === 'seconds');
    if (!isDuration) return;
    delete schema.type;
    delete schema.format;
    if (typeof schema.default !== 'string') delete schema.default;
    schema.anyOf = [{ type: 'string' }, { type: 'integer' }];
    schema['x-vault-mcp-duration'] = true;
    changed++;
  });
  return changed;
}

/** `{exported}` accepts internal|exported|existing|kms; the document says internal|external|kms. */
export function fixExportedEnum(doc: OpenApiDocument): number {
  let fixed = 0;
  const fix = (parameters: Parameter[] | undefined): void => {
    for (const parameter of parameters ?? []) {
      if (parameter.name === 'exported' && parameter.in === 'path' && parameter.schema?.enum) {
        parameter.schema.enum = ['internal', 'exported', 'existing', 'kms'];
        fixed++;
      }
    }
  };
  for (const item of Object.values(doc.paths)) {
    fix(item.parameters);
    for (const [, op] of operationsOf(item)) fix(op.parameters);
  }
  return fixed;
}

/** Mount-parameter defaults (`kv-v2`, `pki`) are generator artefacts: never default a mount. */
export function dropMountDefaults(doc: OpenApiDocument): number {
  let dropped = 0;
  const drop = (parameters: Parameter[] | undefined): void => {
    for (const parameter of parameters ?? []) {
      if (
        parameter.in === 'path' &&
        parameter.name.endsWith('_mount_path') &&
        parameter.schema?.default !== undefined
      ) {
        delete parameter.schema.default;
        dropped++;
      }
    }
  };
  for (const item of Object.values(doc.paths)) {
    drop(item.parameters);
    for (const [, op] of operationsOf(item)) drop(op.parameters);
  }
  return dropped;
}

/** All passes in order, on a deep copy of `input`. */
export function normalize(input: OpenApiDocument): { doc: OpenApiDocument; stats: NormalizeStats } {
  const doc = structuredClone(input);
  const regexPathsDropped = dropRegexPaths(doc);
  const listOperationsSplit = canonicalizeLists(doc);
  const operationIdsRenamed = uniqueOperationIds(doc);
  const openMapCount = openMaps(doc);
  const durationCount = durations(doc);
  const exportedEnumsFixed = fixExportedEnum(doc);
  const mountDefaultsDropped = dropMountDefaults(doc);
  return {
    doc,
    stats: {
      regexPathsDropped,
      listOperationsSplit,
      operationIdsRenamed,
      openMaps: openMapCount,
      durations: durationCount,
      exportedEnumsFixed,
      mountDefaultsDropped,
    },
  };
}
