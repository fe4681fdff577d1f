/** What the main thread and an analysis worker say to each other. */
import { z } from 'zod';
import type { MessageAnalysis } from './analyse';
import { IdentitySchema } from '../partners/schema';

/** Where the worker loads the partners from: the same folders and options as the gateway's registry. */
export const analysisWorkerData = z.object({
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
  /** The worker thread's nice value (Linux): how readily it leaves the CPU to the main thread. */
  nice: z.number().int().min(0).max(19).optional(),
});

export type AnalysisWorkerData = z.infer<typeof analysisWorkerData>;

export interface AnalysisRequest {
  id: number;
  bytes: Uint8Array;
}

export type AnalysisReply = { id: number; result: MessageAnalysis } | { id: number; error: { name: string; message: string; stack?: string } };

/** A worker's first message: its modules and partner folders are loaded (or failed to load), it takes files now. */
export interface AnalysisLoaded {
  loaded: true;
}

export type AnalysisWorkerMessage = AnalysisReply | AnalysisLoaded;
