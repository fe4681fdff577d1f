/**
 * The one error the value converters throw. Mappings catch it to report which element held the bad
 * value and which format was expected, instead of emitting an invented or drifted value.
 */

/** A raw EDI value that cannot be converted exactly; carries the value and the expected format for the error report. */
export class EdiValueError extends RangeError {
  override readonly name = 'EdiValueError';

  constructor(
    message: string,
    /** The offending input exactly as received. */
    readonly value: string,
    /** The format it was read or written with (e.g. 'N2', 'CCYYMMDD', '203'). */
    readonly format: string,
  ) {
    super(message);
  }
}
