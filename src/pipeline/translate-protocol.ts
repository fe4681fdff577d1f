/** What the main thread and the translation worker say to each other. */
import { z } from 'zod';
import type { TranslateResult } from '../mapping/translate';
import { IdentitySchema } from '../partners/schema';

/** Where the worker loads the partners from: the same folders and options as the gateway's registry. */
export const translateWorkerData = z.object({
  partnersRoot: z.string(),
  loadOptions: z
    .object({
      dataRoot: z.string().optional(),
      secretsRoot: z.string().optional(),
      allowedRoots: z.array(z.string()).optional(),
      mappingsRoot: z.string().optional(),
      us: z.array(IdentitySchema).optional(),
    })
    .strict(),
});

export type TranslateWorkerData = z.infer<typeof translateWorkerData>;

export interface TranslateRequest {
  id: number;
  bytes: Uint8Array;
}

export type TranslateReply = { id: number; result: TranslateResult } | { id: number; error: { name: string; message: string; stack?: string } };
