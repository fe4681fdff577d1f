/** The mapping engine: EDI transactions to canonical documents, driven by mapping files (mappings/<partner>/<messageType>.yaml). */
export { buildTree, segmentOf, TreeBuilder } from './tree';
export type { TransactionTree, TreeLoop, TreeNode, TreeSegment } from './tree';
export { ElementResolver, elementLabel, parsePath, PathError, selectNodes, selectValues } from './path';
export type { Condition, ElementAddress, ParsedPath, SegmentStep, ValueHit } from './path';
export { clearMappingCache, loadMapping, MappingFileError, mergeMapping, readTableFile } from './mapping-file';
export type { FieldSpec, Mapping, RenderFieldSpec, RenderSpec } from './mapping-file';
export { mapTransaction } from './engine';
export type { MappingContext, MappingError, MappingResult, MappingRule } from './engine';
export { envelopeOf, translate } from './translate';
export type { TranslateOptions, TranslateResult } from './translate';
export { renderDocuments } from './render';
export type { RenderError, RenderOptions, RenderResult, RenderRule } from './render';
