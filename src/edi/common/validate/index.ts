/** Definition-driven validation of one transaction set / message (X12 ST..SE, EDIFACT UNH..UNT). */
export { CodeSet, compileTransaction, CompileError, NodeKind, SyntaxKind, TypeCode } from './compile';
export type {
  CompiledComponent,
  CompiledElement,
  CompiledElementUse,
  CompiledLoopNode,
  CompiledNode,
  CompiledSegment,
  CompiledSegmentNode,
  CompiledSyntaxNote,
  CompiledTransaction,
  DefinitionOverlay,
  Qualifier,
} from './compile';
export { checkElements, countDigitsEdifact, countDigitsN, countDigitsR, DecimalMode, decimalMode, elementPresent, validDate, validTime } from './elements';
export type { ElementIssueSink } from './elements';
export { StructureWalker } from './structure';
export type { StructureIssueSink } from './structure';
export { createTransactionValidator } from './transaction-validator';
export type { TransactionContext, TransactionValidator } from './transaction-validator';
