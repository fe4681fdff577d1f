/**
 * The catalogue of everything the EDI core can report, with the code each acknowledgment standard
 * uses for it. One table keeps the tokenizer, the envelope readers and the validator agreeing on
 * which 997/999/TA1/CONTRL code a finding becomes, so acks are a by-product of reading.
 */

export type IssueLevel = 'interchange' | 'group' | 'transaction' | 'segment' | 'element';
export type Severity = 'error' | 'warning';

/** Codes of one finding in each acknowledgment standard. */
export interface AckCodes {
  /** X12 code at the finding's level: TA105 (interchange), AK905/IK5 (group), AK502/IK502 (transaction), AK304/IK304 (segment), AK403/IK403 (element). */
  x12?: string;
  /** 999-only implementation code where it differs from the 997 code (I6, I9, I12, ...). */
  x12Impl?: string;
  /** EDIFACT CONTRL syntax error code (data element 0085). */
  edifact?: string;
}

interface CatalogueEntry {
  level: IssueLevel;
  severity: Severity;
  ack: AckCodes;
  text: string;
}

const e = (level: IssueLevel, x12: string | undefined, edifact: string | undefined, text: string, severity: Severity = 'error'): CatalogueEntry => ({
  level,
  severity,
  ack: { ...(x12 !== undefined ? { x12 } : {}), ...(edifact !== undefined ? { edifact } : {}) },
  text,
});

/** Every issue code the core emits. Codes are stable: tests, docs and ack builders key on them. */
export const ISSUE_CATALOGUE = {
  // ---- file / interchange (TA105 note codes, CONTRL 0085 on UCI) ----
  'file.empty': e('interchange', '023', '13', 'the input is empty'),
  'file.not_edi': e('interchange', '022', '18', 'the input does not start with an X12 ISA or EDIFACT UNA/UNB header'),
  'file.bom': e('interchange', undefined, undefined, 'a byte-order mark precedes the interchange (ignored)', 'warning'),
  'file.leading_whitespace': e('interchange', undefined, undefined, 'white space precedes the interchange (ignored)', 'warning'),
  'file.line_break_in_segment': e('interchange', undefined, undefined, 'a line break inside a segment was ignored (hard-wrapped file)', 'warning'),
  'file.data_after_trailer': e('interchange', '022', '33', 'data after the interchange trailer is not a new interchange'),
  'file.truncated': e('interchange', '023', '13', 'the input ends inside a segment (premature end of file)'),
  'interchange.header_invalid': e('interchange', '022', '12', 'the interchange header is malformed'),
  'interchange.header_element_invalid': e('interchange', '022', '12', 'an interchange header element is invalid'),
  'interchange.segment_terminator_invalid': e('interchange', '004', '20', 'the segment terminator is invalid'),
  'interchange.element_separator_invalid': e('interchange', '026', '20', 'the data element separator is invalid'),
  'interchange.component_separator_invalid': e('interchange', '027', '20', 'the component separator is invalid'),
  'interchange.delimiters_not_distinct': e('interchange', '026', '20', 'two delimiters are the same character'),
  'interchange.version_unsupported': e('interchange', '017', '2', 'this interchange version is not supported'),
  'interchange.syntax_unsupported': e('interchange', '016', '2', 'this syntax identifier or version is not supported'),
  'interchange.charset_unsupported': e('interchange', '016', '46', 'the character set is not supported'),
  'interchange.trailer_missing': e('interchange', '023', '13', 'the interchange trailer is missing'),
  'interchange.control_number_mismatch': e('interchange', '001', '28', 'interchange control numbers in header and trailer do not match'),
  'interchange.count_mismatch': e('interchange', '021', '29', 'the trailer count does not match the groups/messages received'),
  'interchange.control_number_invalid': e('interchange', '018', '12', 'the interchange control number is invalid'),
  'interchange.invalid_structure': e('interchange', '022', '33', 'a segment occurs outside the envelope where it is allowed'),
  'interchange.group_content_invalid': e('interchange', '024', '12', 'a functional group header is invalid'),
  'interchange.empty': e('interchange', '022', '32', 'the interchange contains no group, message or acknowledgment'),
  'interchange.mixed_groups_and_messages': e('interchange', '022', '30', 'functional groups and messages are mixed in one interchange'),
  'interchange.duplicate': e('interchange', '025', '26', 'this interchange control number was received before'),
  'interchange.test_indicator_mismatch': e('interchange', '020', '25', 'the test indicator does not match the partner agreement'),
  'interchange.sender_unknown': e('interchange', '006', '23', 'the interchange sender is not a known partner'),
  'interchange.recipient_unknown': e('interchange', '009', '43', 'the interchange recipient is not us'),
  // ---- functional group (AK905 / CONTRL on UCF) ----
  'group.trailer_missing': e('group', '3', '13', 'the functional group trailer is missing'),
  'group.control_number_mismatch': e('group', '4', '28', 'group control numbers in header and trailer do not match'),
  'group.count_mismatch': e('group', '5', '29', 'the group trailer count does not match the transactions received'),
  'group.control_number_invalid': e('group', '6', '12', 'the group control number is invalid'),
  'group.control_number_duplicate': e('group', '19', '26', 'the group control number is not unique within the interchange'),
  'group.not_supported': e('group', '1', '14', 'the functional group is not supported'),
  'group.version_unsupported': e('group', '2', '2', 'the functional group version is not supported'),
  'group.empty': e('group', '5', '32', 'the functional group contains no transaction set'),
  'group.mixed_message_types': e('group', '1', '31', 'more than one message type in a group'),
  // ---- transaction set / message (AK502 / CONTRL on UCM) ----
  'transaction.definition_unavailable': e('transaction', '1', '14', 'no definition for this transaction set and version: content not validated', 'warning'),
  'transaction.not_supported': e('transaction', '1', '14', 'the transaction set is not supported'),
  'transaction.trailer_missing': e('transaction', '2', '13', 'the transaction set trailer is missing'),
  'transaction.control_number_mismatch': e('transaction', '3', '28', 'transaction control numbers in header and trailer do not match'),
  'transaction.count_mismatch': e('transaction', '4', '29', 'the number of included segments does not match the actual count'),
  'transaction.segments_in_error': e('transaction', '5', undefined, 'one or more segments are in error'),
  'transaction.id_invalid': e('transaction', '6', '12', 'the transaction set identifier is missing or invalid'),
  'transaction.control_number_invalid': e('transaction', '7', '12', 'the transaction set control number is missing or invalid'),
  'transaction.not_in_group': e('transaction', '18', '33', 'the transaction set is not inside a functional group'),
  'transaction.control_number_duplicate': e('transaction', '23', '26', 'the transaction set control number is not unique within the group'),
  'transaction.functional_group_mismatch': e('transaction', '1', '14', 'the transaction set does not belong to the functional group it is in'),
  'transaction.implementation_reference_invalid': e('transaction', '19', undefined, 'the implementation convention reference is invalid'),
  // ---- segment (AK304 / IK304, CONTRL UCS) ----
  'segment.unrecognized': e('segment', '1', '15', 'unrecognized segment ID'),
  'segment.unexpected': e('segment', '2', '15', 'unexpected segment'),
  'segment.mandatory_missing': e('segment', '3', '13', 'mandatory segment missing'),
  'segment.loop_max_exceeded': e('segment', '4', '36', 'loop occurs over maximum times'),
  'segment.max_use_exceeded': e('segment', '5', '35', 'segment exceeds maximum use'),
  'segment.not_in_definition': e('segment', '6', '15', 'segment not in defined transaction set'),
  'segment.out_of_sequence': e('segment', '7', '15', 'segment not in proper sequence'),
  'segment.has_element_errors': e('segment', '8', undefined, 'segment has data element errors'),
  'segment.empty': e('segment', '8', '13', 'the segment has no data elements'),
  'segment.trailing_separator': e('segment', undefined, '45', 'the segment ends with a separator', 'warning'),
  'segment.tag_invalid': e('segment', '1', '12', 'the segment tag is not a valid segment identifier'),
  'segment.implementation_not_used': { level: 'segment', severity: 'error', ack: { x12: '2', x12Impl: 'I6', edifact: '15' }, text: 'implementation "not used" segment present' },
  'segment.implementation_dependent_missing': { level: 'segment', severity: 'error', ack: { x12: '3', x12Impl: 'I7', edifact: '13' }, text: 'implementation dependent segment missing' },
  'segment.implementation_loop_under_minimum': { level: 'segment', severity: 'error', ack: { x12: '3', x12Impl: 'I8', edifact: '13' }, text: 'implementation loop occurs under minimum times' },
  'segment.implementation_under_minimum': { level: 'segment', severity: 'error', ack: { x12: '3', x12Impl: 'I9', edifact: '13' }, text: 'implementation segment below minimum use' },
  // ---- data element (AK403 / IK403, CONTRL UCD) ----
  'element.mandatory_missing': e('element', '1', '13', 'mandatory data element missing'),
  'element.conditional_missing': e('element', '2', '13', 'conditional required data element missing'),
  'element.too_many': e('element', '3', '16', 'too many data elements'),
  'element.too_short': e('element', '4', '40', 'data element too short'),
  'element.too_long': e('element', '5', '39', 'data element too long'),
  'element.invalid_character': e('element', '6', '37', 'invalid character in data element'),
  'element.invalid_code': e('element', '7', '12', 'invalid code value'),
  'element.code_unlisted': e('element', '7', '12', 'code value not in the gateway\'s (partial) list for this element', 'warning'),
  'element.invalid_date': e('element', '8', '12', 'invalid date'),
  'element.invalid_time': e('element', '9', '12', 'invalid time'),
  'element.exclusion_violated': e('element', '10', '48', 'exclusion condition violated'),
  'element.too_many_repetitions': e('element', '12', '35', 'too many repetitions'),
  'element.too_many_components': e('element', '13', '16', 'too many components'),
  'element.charset_invalid': e('element', '6', '21', 'character not allowed by the declared character set'),
  'element.release_misuse': e('element', '6', '22', 'release character not followed by a service character'),
  'element.invalid_decimal': e('element', '6', '19', 'invalid decimal notation'),
  'element.missing_digit_before_decimal': e('element', '6', '38', 'missing digit in front of the decimal sign'),
  'element.implementation_not_used': { level: 'element', severity: 'error', ack: { x12: '3', x12Impl: 'I10', edifact: '15' }, text: 'implementation "not used" data element present' },
  'element.implementation_code_not_used': { level: 'element', severity: 'error', ack: { x12: '7', x12Impl: 'I6', edifact: '14' }, text: 'code value not used in implementation' },
  'element.implementation_pattern_mismatch': { level: 'element', severity: 'error', ack: { x12: '6', x12Impl: 'I12', edifact: '12' }, text: 'implementation pattern match failure' },
} as const satisfies Record<string, CatalogueEntry>;

export type IssueCode = keyof typeof ISSUE_CATALOGUE;

/** Where a finding is: envelope control numbers, segment position, element/component/repetition. */
export interface IssuePosition {
  /** Interchange control number (ISA13 / UNB 0020). */
  interchange?: string;
  /** Functional group control number (GS06 / UNG 0048). */
  group?: string;
  /** Transaction set / message control number (ST02 / UNH 0062). */
  transaction?: string;
  /** Transaction set id or message type (850, ORDERS). */
  transactionType?: string;
  /** 1-based position of the segment inside its transaction (ST/UNH = 1), or in the file when outside any. */
  segmentIndex?: number;
  /** 1-based position of the segment in the whole input. */
  fileSegmentIndex?: number;
  segmentId?: string;
  /** Loop the segment belongs to (AK303), where known. */
  loopId?: string;
  /** 1-based element position (AK401 / 0098). */
  element?: number;
  /** 1-based component position (C030-02 / 0104). */
  component?: number;
  /** 1-based repetition (C030-03). */
  repetition?: number;
  /** Data element reference number (AK402). */
  elementRef?: string;
  /** Byte offset of the segment (or the problem) in the input. */
  offset?: number;
}

/** One finding, with its position and the codes every acknowledgment standard would report. */
export interface EdiIssue extends IssuePosition {
  code: IssueCode;
  severity: Severity;
  level: IssueLevel;
  message: string;
  /** Copy of the bad data (AK404), at most 99 characters. */
  value?: string;
  ack: AckCodes;
}

/** Build an issue from the catalogue; `detail` is appended to the standard text. */
export function makeIssue(code: IssueCode, position: IssuePosition, detail?: string, value?: string, ackOverride?: AckCodes): EdiIssue {
  const entry: CatalogueEntry = ISSUE_CATALOGUE[code];
  const issue: EdiIssue = {
    code,
    severity: entry.severity,
    level: entry.level,
    message: detail ? `${entry.text}: ${detail}` : entry.text,
    ack: ackOverride ? { ...entry.ack, ...ackOverride } : entry.ack,
    ...position,
  };
  if (value !== undefined) issue.value = value.length > 99 ? value.slice(0, 99) : value;
  return issue;
}

/** True when the issue makes the input invalid (warnings do not). */
export function isError(issue: EdiIssue): boolean {
  return issue.severity === 'error';
}
