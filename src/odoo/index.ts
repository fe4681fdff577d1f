export * from './errors';
export * from './client';
export { startSandbox } from './sandbox';
export type { SandboxHandle, SandboxOptions, SandboxSeed } from './sandbox';
