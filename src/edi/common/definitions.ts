/**
 * The shape of transaction-set / message definitions: data files (YAML) that the validator reads.
 * Both standards share it. One folder per standard version holds a dictionary (elements.yaml,
 * composites.yaml, segments.yaml) and one file per transaction set or message (850.yaml, ORDERS.yaml).
 * A partner folder may hold overlay files of the same shape that tighten a definition.
 */
import { z } from 'zod';

/** Requirement designators: X12 M/O/X(conditional)/C, EDIFACT M/C. 'N' = not used (implementation guides). */
export const Requirement = z.enum(['M', 'O', 'C', 'X', 'N']);
export type Requirement = z.infer<typeof Requirement>;

/**
 * Data element types. X12: AN (string), ID (code), DT (date), TM (time), R (decimal), N and N0..N9 (implied decimal),
 * B (binary). EDIFACT: a (alphabetic), n (numeric), an (alphanumeric).
 */
export const ElementType = z.enum(['AN', 'ID', 'DT', 'TM', 'R', 'N', 'N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'B', 'a', 'n', 'an']);
export type ElementType = z.infer<typeof ElementType>;

/** A data element in the dictionary (elements.yaml: id -> definition). */
export const ElementDef = z.object({
  name: z.string(),
  type: ElementType,
  min: z.number().int().min(0),
  max: z.number().int().min(1),
  /** Allowed code values; absent = not checked. */
  codes: z.array(z.string()).optional(),
  /** The list is a practical subset of the standard's: a value outside it is a warning, not an error. */
  codesPartial: z.boolean().optional(),
}).strict();
export type ElementDef = z.infer<typeof ElementDef>;

/** A reference from a segment or composite to an element or composite, in position order. */
export const ElementRef = z.object({
  /** Element id ("353", "1153") or composite id ("C001", "C506", "S009"). */
  ref: z.string(),
  req: Requirement,
  /** Maximum repetitions (X12 005010 repeating elements, EDIFACT syntax 4); default 1. */
  repeat: z.number().int().min(1).optional(),
  /** Narrower code list for this position only. */
  codes: z.array(z.string()).optional(),
}).strict();
export type ElementRef = z.infer<typeof ElementRef>;

/** composites.yaml: id -> definition. */
export const CompositeDef = z.object({
  name: z.string(),
  components: z.array(ElementRef).min(1),
}).strict();
export type CompositeDef = z.infer<typeof CompositeDef>;

/**
 * X12 syntax notes on a segment: P0102 (paired: all or none), R0102 (at least one), E0102 (at most one),
 * C0102 (if first then all others), L010203 (if first then at least one other). Positions are 2 digits.
 * EDIFACT dependency notes use the same letters (D1..D7 mapped by the author of the file).
 */
export const SyntaxNote = z.string().regex(/^[PRECL](\d\d){2,}$/);

/** segments.yaml: tag -> definition. */
export const SegmentDef = z.object({
  name: z.string(),
  elements: z.array(ElementRef),
  syntax: z.array(SyntaxNote).optional(),
}).strict();
export type SegmentDef = z.infer<typeof SegmentDef>;

/** A position in a transaction structure: a segment or a loop (segment group). */
export type StructureNode = SegmentUse | LoopUse;
export interface SegmentUse {
  segment: string;
  req: Requirement;
  /** Maximum use; 0 = unbounded (">1"). */
  max: number;
  /** Element-position code lists for this use only, e.g. { "01": ["ST","BT"] } for N1 in the ship-to loop. */
  codes?: Record<string, string[]>;
}
export interface LoopUse {
  /** Loop id as the standard names it: X12 "N1", "PO1", "HL", "2000"; EDIFACT "SG2". */
  loop: string;
  req: Requirement;
  /** Maximum occurrences; 0 = unbounded. */
  max: number;
  /** The first node is the loop's trigger segment (mandatory in the loop). */
  segments: StructureNode[];
}

export const SegmentUse: z.ZodType<SegmentUse> = z.object({
  segment: z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/),
  req: Requirement,
  max: z.number().int().min(0),
  codes: z.record(z.string().regex(/^\d\d(-\d\d)?$/), z.array(z.string())).optional(),
}).strict();

export const LoopUse: z.ZodType<LoopUse> = z.lazy(() =>
  z.object({
    loop: z.string(),
    req: Requirement,
    max: z.number().int().min(0),
    segments: z.array(z.union([SegmentUse, LoopUse])).min(1),
  }).strict(),
);

export const StructureNode: z.ZodType<StructureNode> = z.union([SegmentUse, LoopUse]);

/** <id>.yaml: one transaction set (X12) or message (EDIFACT). */
export const TransactionDef = z.object({
  /** "850", "ORDERS". */
  id: z.string(),
  name: z.string(),
  /** X12 functional identifier code (GS01) this set travels in, e.g. "PO". */
  functionalGroup: z.string().optional(),
  /** Header to trailer inclusive (ST..SE, UNH..UNT). */
  structure: z.array(StructureNode).min(2),
}).strict();
export type TransactionDef = z.infer<typeof TransactionDef>;

/** The dictionary of one standard version. */
export interface Dictionary {
  elements: Record<string, ElementDef>;
  composites: Record<string, CompositeDef>;
  segments: Record<string, SegmentDef>;
}

export const ElementsFile = z.record(z.string(), ElementDef);
export const CompositesFile = z.record(z.string(), CompositeDef);
export const SegmentsFile = z.record(z.string(), SegmentDef);
