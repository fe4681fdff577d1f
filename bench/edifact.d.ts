/** The parts of the untyped `edifact` (node-edifact) package the benchmark and the differential test use. */
declare module 'edifact' {
  import { EventEmitter } from 'node:events';

  /** Low-level SAX-like parser: write() strings, events per segment, element and component. */
  export class Parser extends EventEmitter {
    constructor(validator?: unknown, config?: Record<string, unknown>);
    /** Character repertoire level (UNOA, UNOB, UNOC, UNOY ...). */
    encoding(level: string): void;
    write(chunk: string): void;
    end(): void;
    on(event: 'opensegment', listener: (name: string) => void): this;
    on(event: 'element' | 'closesegment', listener: () => void): this;
    on(event: 'component', listener: (data: string) => void): this;
  }
}
