/**
 * The one typed adapter between the generated document types and the client's own narrow answer
 * types. Vault's documents differ in how much of an answer they type: OpenBao's declares no 200
 * schema for `kv-v2-read`, HashiCorp's declares one whose `data` and `metadata` are open maps
 * (`{ [x: string]: unknown }`). The client reads fields it knows Vault returns, so:
 *
 * - where the document types a field (a concrete type), that type is used;
 * - where it does not (no schema, `unknown`, or an open map of `unknown`), the narrow type
 *   below stands;
 * - presence (optional or not) is the narrow type's: Vault's documents never mark answer fields
 *   required, while the client knows which ones Vault always sends.
 *
 * A document that types a field in a way the client cannot use fails the type-check of src/,
 * which is the point: the maintainer sees it in `make generate`'s tree, not at run time.
 */
import type { KvMetadata, KvVersionMetadata } from './kv.js';

/** Answer `data` of `GET /v1/<mount>/data/<path>` (KV v2 read). */
export interface KvV2ReadData {
  readonly data?: Record<string, unknown> | null;
  readonly metadata?: KvVersionMetadata;
}

/** A LIST answer (`keys`, and for some endpoints `key_info`). */
export interface ListData {
  readonly keys?: readonly string[];
}

/**
 * Narrow answer types by path template and method, for the calls src/client/ makes whose answers
 * it reads field by field. Paths not listed use the document's type as it is.
 */
export interface NarrowResponses {
  '/{kv_v2_mount_path}/data/{path}': {
    get: KvV2ReadData;
    post: KvVersionMetadata;
    patch: KvVersionMetadata;
  };
  '/{kv_v2_mount_path}/metadata/{path}': { get: KvMetadata };
  '/{kv_v2_mount_path}/metadata/{path}/': { get: ListData };
  '/{kv_v1_mount_path}/{path}': { get: Record<string, unknown> };
  '/{kv_v1_mount_path}/{path}/': { get: ListData };
  '/{kv_v2_mount_path}/subkeys/{path}': {
    get: { readonly subkeys?: Record<string, unknown> | null };
  };
  '/{pki_mount_path}/roles/': { get: ListData };
  '/{pki_mount_path}/issuers/': {
    get: ListData & { readonly key_info?: Record<string, Record<string, unknown>> };
  };
}

/** True for "the document says nothing": `unknown`, `{}`, or an open map of `unknown`. */
type IsUntyped<T> = unknown extends T
  ? true
  : T extends object
    ? [keyof T] extends [never]
      ? true
      : string extends keyof T
        ? unknown extends T[string]
          ? true
          : false
        : false
    : false;

/**
 * `Doc` refined by `Narrow`, field by field (see the module comment). `Narrow = never` leaves
 * `Doc` as it is.
 */
export type Refine<Doc, Narrow> = [Narrow] extends [never]
  ? Doc
  : IsUntyped<Doc> extends true
    ? Narrow
    : Doc extends readonly unknown[]
      ? Doc
      : Doc extends object
        ? Narrow extends object
          ? {
              [K in keyof Narrow]: K extends keyof Doc
                ? Refine<Exclude<Doc[K], undefined>, Narrow[K]>
                : Narrow[K];
            }
          : Doc
        : Doc;

/** The narrow type for `path` and `method`, `never` when none is declared. */
export type NarrowOf<P, M extends string> = P extends keyof NarrowResponses
  ? M extends keyof NarrowResponses[P]
    ? NarrowResponses[P][M]
    : never
  : never;
