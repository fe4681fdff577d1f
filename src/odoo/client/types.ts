import { z } from 'zod';

export type OdooProtocol = 'json2' | 'jsonrpc' | 'xmlrpc';

/** A domain in Odoo's prefix notation: leaves `[field, operator, value]` and the operators `&`, `|`, `!`. */
export type DomainLeaf = [string, string, unknown];
export type Domain = ReadonlyArray<DomainLeaf | '&' | '|' | '!' | readonly [string, string, unknown]>;

export type OdooRecord = Record<string, unknown> & { id: number };

/** A minimal pino-compatible logger. Only metadata is logged: model, method, protocol, duration. */
export interface OdooLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  warn?(obj: Record<string, unknown>, msg?: string): void;
}

export const odooClientConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    db: z.string().min(1),
    login: z.string().min(1),
    apiKey: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    protocol: z.enum(['json2', 'jsonrpc', 'xmlrpc']).default('jsonrpc'),
    timeoutMs: z.number().int().positive().default(30_000),
    maxConcurrency: z.number().int().positive().default(4),
    companyId: z.number().int().positive().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    userAgent: z.string().default('edi-gateway'),
    /** Extra trusted CA certificates (PEM) for an https URL, besides the system's. */
    ca: z.string().min(1).optional(),
  })
  .refine((c) => c.apiKey !== undefined || c.password !== undefined, { message: 'set apiKey or password' })
  .refine((c) => c.protocol !== 'json2' || c.apiKey !== undefined, { message: 'the json2 protocol needs an apiKey' });

/** Told about every call when it ends (metrics): `model.method`, seconds, and the error kind if it failed. */
export type OdooCallObserver = (call: string, seconds: number, failure?: 'retryable' | 'business') => void;
export type OdooClientConfig = z.input<typeof odooClientConfigSchema> & { logger?: OdooLogger; observer?: OdooCallObserver };
export type ResolvedOdooClientConfig = z.output<typeof odooClientConfigSchema> & { logger?: OdooLogger; observer?: OdooCallObserver };

/** One model call, independent of the protocol. */
export interface CallSpec {
  model: string;
  method: string;
  /** Record ids for record methods (`write`, `action_confirm`...); undefined for `@api.model` methods. */
  ids?: number[];
  /** Positional arguments after ids, for JSON-RPC / XML-RPC. */
  args: unknown[];
  /** Names of those positional arguments, used by JSON-2 (named parameters only). */
  argNames?: string[];
  /** Keyword arguments (without context). */
  kwargs: Record<string, unknown>;
  context: Record<string, unknown>;
}

// ------------------------------------------------------------------ schemas of Odoo's answers

export const versionInfoSchema = z.looseObject({
  server_version: z.string(),
  server_version_info: z.array(z.union([z.number(), z.string()])).optional(),
  server_serie: z.string().optional(),
  protocol_version: z.number().optional(),
});
export type OdooVersionInfo = z.infer<typeof versionInfoSchema>;

export interface OdooVersion {
  /** e.g. `18.0-20250702` */
  serverVersion: string;
  /** 17, 18, 19 (saas-17.2 → 17) */
  major: number;
  minor: number;
  raw: OdooVersionInfo;
}

export const idSchema = z.number().int();
export const idsSchema = z.array(idSchema);
export const recordSchema = z.looseObject({ id: idSchema });
export const recordsSchema = z.array(recordSchema);
export const createResultSchema = z.union([idSchema, idsSchema]);
export const uidSchema = z.union([z.number().int().positive(), z.literal(false)]);

export const jsonRpcErrorSchema = z.looseObject({
  code: z.number().optional(),
  message: z.string().optional(),
  data: z
    .looseObject({
      name: z.string().optional(),
      message: z.string().optional(),
      debug: z.string().optional(),
      arguments: z.array(z.unknown()).optional(),
    })
    .optional(),
});

export const jsonRpcResponseSchema = z.looseObject({
  jsonrpc: z.literal('2.0').optional(),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  result: z.unknown().optional(),
  error: jsonRpcErrorSchema.optional(),
});

export const json2ErrorSchema = z.looseObject({
  name: z.string(),
  message: z.string().optional(),
  arguments: z.array(z.unknown()).optional(),
  debug: z.string().optional(),
});
