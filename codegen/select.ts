/**
 * Apply the allowlist to a normalized document: the selected operations with everything the
 * emitters need (tool name, ACL capability, flags, flattened input schema), and the filtered
 * document (selected paths and the component schemas they reach) for openapi-typescript.
 */
import { allowlist, type AllowRule, type Method, type Toolset } from './allowlist.js';
import { requestContentType, responseFormat, type ResponseFormat } from './overlay.js';
import {
  operationsOf,
  resolveSchema,
  type HttpMethod,
  type OpenApiDocument,
  type Operation,
  type Parameter,
  type PathItem,
  type Schema,
} from './openapi.js';

/** Vault ACL capabilities (https://openbao.org/docs/concepts/policies/#capabilities). */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo';

/** Where one input field of a tool goes in the HTTP request. */
export interface InputField {
  /** Field name in the tool input (`mount` for the mount parameter). */
  readonly input: string;
  readonly in: 'path' | 'query' | 'body';
  /** Name in the request (path parameter, query parameter or body property). */
  readonly name: string;
}

export interface SelectedOperation {
  readonly toolName: string;
  readonly operationId: string;
  readonly title: string;
  readonly description: string;
  readonly toolset: Toolset;
  readonly method: Method;
  readonly httpMethod: HttpMethod;
  readonly pathTemplate: string;
  readonly mountParam: string | undefined;
  readonly fields: readonly InputField[];
  /** The body is a free-form object (KV v1 write): it is the tool's `data` field. */
  readonly freeFormBody: boolean;
  /** ACL path template (`{mount}/data/{path}`) and the capabilities a policy must grant on it. */
  readonly acl: { readonly path: string; readonly capabilities: readonly Capability[] };
  readonly unauthenticated: boolean;
  readonly sudo: boolean;
  readonly write: boolean;
  readonly mintsCredentials: boolean;
  readonly secretFields: readonly string[];
  readonly responseFormat: ResponseFormat;
  readonly requestContentType: string | undefined;
  readonly annotations: {
    readonly readOnlyHint: boolean;
    readonly destructiveHint: boolean;
    readonly idempotentHint: boolean;
    readonly openWorldHint: boolean;
  };
  /** JSON Schema of the flattened tool input (no defaults: they are in the descriptions). */
  readonly inputSchema: Schema;
  /** Identifier of the zod schema constant in generated/schemas.ts. */
  readonly schemaName: string;
}

export interface Exclusion {
  readonly method: Method;
  readonly path: string;
  readonly reason: string;
}

export interface Selection {
  readonly operations: SelectedOperation[];
  readonly excluded: Exclusion[];
  /** The document restricted to the selected operations and the component schemas they use. */
  readonly filtered: OpenApiDocument;
}

function methodOf(path: string, httpMethod: HttpMethod, op: Operation): Method {
  if (
    httpMethod === 'get' &&
    path.endsWith('/') &&
    op.parameters?.some((p) => p.name === 'list' && p.in === 'query')
  ) {
    return 'LIST';
  }
  return httpMethod.toUpperCase() as Method;
}

function matches(rule: AllowRule, method: Method, path: string): boolean {
  if (rule.methods && !rule.methods.includes(method)) return false;
  return typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
}

/** `pki-issue-with-role` → `pki_issue_with_role`. */
export function snakeCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

function camelCase(id: string): string {
  return snakeCase(id).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function capabilitiesFor(method: Method, item: PathItem): Capability[] {
  const base: Capability[] =
    method === 'GET'
      ? ['read']
      : method === 'LIST'
        ? ['list']
        : method === 'PATCH'
          ? ['patch']
          : method === 'DELETE'
            ? ['delete']
            : item['x-vault-createSupported'] === true
              ? ['create', 'update']
              : ['update'];
  if (item['x-vault-sudo'] === true) base.push('sudo');
  return base;
}

/** Strip defaults and `x-vault-*` keys; fold the default into the description (SPEC-NOTES §5.6). */
function inputProperty(schema: Schema, description: string | undefined): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || key.startsWith('x-') || key === 'deprecated' || key === 'description')
      continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [
          k,
          inputProperty(v, v.description),
        ]),
      );
      continue;
    }
    if (key === 'items' && value && typeof value === 'object') {
      out.items = inputProperty(value as Schema, (value as Schema).description);
      continue;
    }
    out[key] = structuredClone(value);
  }
  let text = (description ?? '').trim();
  if (
    schema.default !== undefined &&
    schema.default !== '' &&
    !(Array.isArray(schema.default) && schema.default.length === 0)
  ) {
    text = `${text}${text ? ' ' : ''}(Vault default: ${JSON.stringify(schema.default)})`;
  }
  if (text) out.description = text;
  return out;
}

function mountDescription(mountParam: string): string {
  const [kind, examples] = mountParam.startsWith('kv_v1')
    ? ['KV version 1', '`kv`, `team/kv`']
    : mountParam.startsWith('kv_v2')
      ? ['KV version 2', '`secret`, `team/kv`']
      : mountParam.startsWith('pki')
        ? ['PKI', '`pki`, `pki_int`']
        : [mountParam.replace(/_mount_path$/, ''), '`name`'];
  return `Path of the ${kind} secrets engine mount, without a trailing slash (e.g. ${examples}).`;
}

function humanTitle(id: string): string {
  const words = snakeCase(id).split('_');
  const upper = new Set([
    'kv',
    'pki',
    'v1',
    'v2',
    'ca',
    'crl',
    'der',
    'pem',
    'ui',
    'id',
    'csr',
    'url',
    'urls',
  ]);
  return words
    .map((w, i) =>
      upper.has(w) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w,
    )
    .join(' ');
}

function collectRefs(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const child of schema) collectRefs(child, into);
  } else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string')
        into.add(value.replace('#/components/schemas/', ''));
      else collectRefs(value, into);
    }
  }
}

/**
 * Select the allowlisted operations of a normalized document.
 * @throws Error when two operations would get the same tool name or a name exceeds 64 characters.
 */
export function select(doc: OpenApiDocument, rules: readonly AllowRule[] = allowlist): Selection {
  const operations: SelectedOperation[] = [];
  const excluded: Exclusion[] = [];
  const filteredPaths: Record<string, PathItem> = {};
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path];
    if (!item) continue;
    for (const [httpMethod, op] of operationsOf(item)) {
      const method = methodOf(path, httpMethod, op);
      const rule = rules.find((r) => matches(r, method, path));
      if (!rule) continue;
      if (rule.exclude) {
        excluded.push({ method, path, reason: rule.reason ?? 'excluded' });
        continue;
      }
      if (!rule.toolset) throw new Error(`allowlist rule for ${String(rule.path)} has no toolset`);
      operations.push(describe(doc, path, item, httpMethod, op, method, rule));
      const kept: PathItem = (filteredPaths[path] ??= Object.fromEntries(
        Object.entries(item).filter(
          ([key]) => !['get', 'post', 'put', 'patch', 'delete'].includes(key),
        ),
      ) as PathItem);
      kept[httpMethod] = op;
    }
  }
  const names = new Map<string, string>();
  for (const op of operations) {
    const other = names.get(op.toolName);
    if (other)
      throw new Error(
        `tool name ${op.toolName} is used by ${other} and ${op.operationId}: add a name to the allowlist`,
      );
    if (op.toolName.length > 64)
      throw new Error(
        `tool name ${op.toolName} exceeds 64 characters: add a name to the allowlist`,
      );
    names.set(op.toolName, op.operationId);
  }
  // Keep only the component schemas the selected operations reach.
  const reachable = new Set<string>();
  collectRefs(filteredPaths, reachable);
  for (let grew = true; grew;) {
    grew = false;
    for (const name of [...reachable]) {
      const before = reachable.size;
      collectRefs(doc.components?.schemas?.[name], reachable);
      if (reachable.size > before) grew = true;
    }
  }
  const schemas = Object.fromEntries(
    Object.entries(doc.components?.schemas ?? {}).filter(([name]) => reachable.has(name)),
  );
  const filtered: OpenApiDocument = { ...doc, paths: filteredPaths, components: { schemas } };
  return { operations, excluded, filtered };
}

/** The selected operation `httpMethod` of `path` under allowlist `rule`. */
function describe(
  doc: OpenApiDocument,
  path: string,
  item: PathItem,
  httpMethod: HttpMethod,
  op: Operation,
  method: Method,
  rule: AllowRule,
): SelectedOperation {
  const operationId = op.operationId ?? `${httpMethod}${path}`;
  const toolName = rule.name ?? snakeCase(operationId);
  const input = new ToolInput();
  const parameters = mergedParameters(item, op);
  const mountParam = addPathFields(input, path, parameters, method);
  addQueryFields(input, parameters);
  const freeFormBody = addBodyFields(
    input,
    resolveSchema(doc, op.requestBody?.content?.['application/json']?.schema),
  );
  const { fields, properties, required } = input;
  const write = rule.write ?? !(method === 'GET' || method === 'LIST');
  const sudo = item['x-vault-sudo'] === true;
  const unauthenticated = item['x-vault-unauthenticated'] === true;
  const aclPath = path.replace(/^\//, '').replace(`{${mountParam ?? '\0'}}`, '{mount}');
  const capabilities = capabilitiesFor(method, item);
  const requirement = unauthenticated
    ? 'No token capability needed (unauthenticated endpoint).'
    : `Needs ${capabilities.join('/')} on \`${aclPath}\`.`;
  const description = toolDescription(
    op.summary ?? op.description ?? item.description ?? '',
    method,
    aclPath,
    requirement,
    rule,
  );
  return {
    toolName,
    operationId,
    title: humanTitle(toolName),
    description,
    toolset: rule.toolset as Toolset,
    method,
    httpMethod,
    pathTemplate: path,
    mountParam,
    fields,
    freeFormBody,
    acl: { path: aclPath, capabilities },
    unauthenticated,
    sudo,
    write,
    mintsCredentials: rule.mintsCredentials ?? false,
    secretFields: rule.secretFields ?? [],
    responseFormat: responseFormat(method, path),
    requestContentType: op.requestBody ? requestContentType(method) : undefined,
    annotations: {
      readOnlyHint: !write,
      destructiveHint: write ? (rule.destructive ?? true) : false,
      idempotentHint:
        rule.idempotent ?? (method === 'GET' || method === 'LIST' || method === 'DELETE'),
      openWorldHint: false,
    },
    inputSchema: { type: 'object', properties, required, additionalProperties: false },
    schemaName: `${camelCase(toolName)}Input`,
  };
}

/** Path-level parameters overridden by operation-level ones of the same name and place. */
function mergedParameters(item: PathItem, op: Operation): Parameter[] {
  const parameters: Parameter[] = [];
  for (const parameter of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    const existing = parameters.findIndex(
      (p) => p.name === parameter.name && p.in === parameter.in,
    );
    if (existing >= 0) parameters[existing] = parameter;
    else parameters.push(parameter);
  }
  return parameters;
}

/** A tool's input as it is built: its fields, their JSON Schemas and which are required. */
class ToolInput {
  readonly fields: InputField[] = [];
  readonly properties: Record<string, Schema> = {};
  readonly required: string[] = [];

  taken(name: string): boolean {
    return name in this.properties;
  }

  add(field: InputField, schema: Schema, isRequired: boolean): void {
    this.fields.push(field);
    this.properties[field.input] = schema;
    if (isRequired) this.required.push(field.input);
  }
}

/**
 * Path parameters in template order; a `*_mount_path` one becomes input `mount`.
 * @returns the mount parameter's name, if the path has one.
 */
function addPathFields(
  input: ToolInput,
  path: string,
  parameters: readonly Parameter[],
  method: Method,
): string | undefined {
  let mountParam: string | undefined;
  const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
  for (const name of templateNames) {
    const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
    if (name.endsWith('_mount_path')) {
      mountParam = name;
      input.add(
        { input: 'mount', in: 'path', name },
        { type: 'string', minLength: 1, description: mountDescription(name) },
        true,
      );
      continue;
    }
    // The last segment of a LIST path may be empty: that lists the mount's root.
    const optional = method === 'LIST' && path.endsWith(`{${name}}/`);
    const schema = inputProperty(
      { type: 'string', ...(optional ? {} : { minLength: 1 }) },
      parameter?.description,
    );
    if (optional)
      schema.description =
        `${schema.description ?? ''} Empty or absent lists the top level.`.trim();
    input.add({ input: name, in: 'path', name }, schema, !optional);
  }
  return mountParam;
}

/** Query parameters but `list` and deprecated ones; a name already taken gets `_query`. */
function addQueryFields(input: ToolInput, parameters: readonly Parameter[]): void {
  for (const parameter of parameters) {
    if (parameter.in !== 'query' || parameter.deprecated || parameter.name === 'list') continue;
    const name = input.taken(parameter.name) ? `${parameter.name}_query` : parameter.name;
    input.add(
      { input: name, in: 'query', name: parameter.name },
      inputProperty(parameter.schema ?? { type: 'string' }, parameter.description),
      parameter.required === true,
    );
  }
}

/**
 * Body properties by name (a name already taken gets `_body`); a body schema without properties
 * becomes one free-form `data` object.
 * @returns whether the body is free-form.
 */
function addBodyFields(input: ToolInput, body: Schema | undefined): boolean {
  if (!body) return false;
  const bodyProperties = Object.entries(body.properties ?? {});
  const freeForm = bodyProperties.length === 0;
  if (freeForm)
    input.add(
      { input: input.taken('data') ? 'data_body' : 'data', in: 'body', name: '*' },
      {
        type: 'object',
        additionalProperties: true,
        description: 'The request body: every key is sent as given.',
      },
      true,
    );
  for (const [name, schema] of bodyProperties.sort(([a], [b]) => a.localeCompare(b))) {
    if (schema.deprecated) continue;
    input.add(
      { input: input.taken(name) ? `${name}_body` : name, in: 'body', name },
      inputProperty(schema, schema.description),
      (body.required ?? []).includes(name),
    );
  }
  return freeForm;
}

/** A raw tool's description: the summary, the API call, the capability needed, the caveats. */
function toolDescription(
  summary: string,
  method: Method,
  aclPath: string,
  requirement: string,
  rule: AllowRule,
): string {
  return [
    summary.trim().replace(/\s+/g, ' '),
    `Vault API: ${method} /v1/${aclPath}.`,
    requirement,
    rule.mintsCredentials ? 'Mints a credential; refused in read-only mode.' : '',
    (rule.secretFields ?? []).length > 0
      ? 'Secret values in the answer are withheld unless the operator enabled reveal.'
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}
