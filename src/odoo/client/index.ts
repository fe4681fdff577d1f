export { OdooClient } from './client';
export type { CallMethodOptions, RequestOptions, SearchOptions, SearchReadOptions } from './client';
export { Semaphore } from './semaphore';
export { fieldNamesFor, parseVersion } from './versions';
export type { OdooFieldNames } from './versions';
export type { Domain, DomainLeaf, OdooClientConfig, OdooLogger, OdooProtocol, OdooRecord, OdooVersion, OdooVersionInfo } from './types';
export { odooClientConfigSchema } from './types';
