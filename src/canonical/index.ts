/**
 * The canonical model: what every partner's X12 or EDIFACT turns into and is rendered from.
 * Depends on zod only, so mappings, the CLI and the Odoo side can all import it.
 */
export * from './errors';
export * from './decimal';
export * from './dates';
export * from './common';
export * from './envelope';
export * from './party';
export * from './order';
export * from './order-response';
export * from './ship-notice';
export * from './invoice';
export * from './functional-ack';
export * from './document';
export * from './json-schema';
