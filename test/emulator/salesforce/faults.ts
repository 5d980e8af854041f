/**
 * Faults the control surface injects into Salesforce REST: 503, UNABLE_TO_LOCK_ROW (whole request or per
 * record inside composite), or added latency; on chosen methods/paths, N times or until cleared.
 */
export type FaultKind = '503' | 'UNABLE_TO_LOCK_ROW' | 'latency';

export interface FaultSpec {
  kind: FaultKind;
  /** HTTP method to match (default any). */
  method?: string;
  /** Substring of the path after /services/data/vNN.N (default any). */
  path?: string;
  /** Regular expression (source) the path after /services/data/vNN.N must match. */
  pathPattern?: string;
  /** How many requests (or records) it hits before disarming (default: until cleared). */
  times?: number;
  /** Latency in ms (kind 'latency'). */
  ms?: number;
  /** UNABLE_TO_LOCK_ROW only: fail these record ids inside composite (and single-record calls on them) instead of the whole request. */
  recordIds?: string[];
  /** UNABLE_TO_LOCK_ROW only: fail individual records inside composite, `times` records in all. */
  perRecord?: boolean;
}

export interface Fault extends FaultSpec {
  id: number;
  hits: number;
  pattern?: RegExp;
}

export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    // An invalid pattern throws here, so the control surface answers 400 instead of failing later requests.
    const pattern = spec.pathPattern ? new RegExp(spec.pathPattern) : undefined;
    const fault: Fault = { ...spec, method: spec.method?.toUpperCase(), id: this.nextId++, hits: 0, pattern };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map(({ pattern: _p, ...f }) => ({ ...f }));
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  private matches(f: Fault, method: string, path: string): boolean {
    if (f.method && f.method !== method.toUpperCase()) return false;
    if (f.path && !path.includes(f.path)) return false;
    return !f.pattern || f.pattern.test(path);
  }

  private use(f: Fault): void {
    f.hits++;
    if (f.times !== undefined && f.hits >= f.times) this.remove(f.id);
  }

  /** Whole-request faults for this call, consumed in order: latency first, then at most one failure. */
  forRequest(method: string, path: string): { latencyMs: number; failure?: Fault } {
    let latencyMs = 0;
    let failure: Fault | undefined;
    for (const f of [...this.faults]) {
      if (!this.matches(f, method, path) || f.perRecord || f.recordIds) continue;
      if (f.kind === 'latency') {
        latencyMs += f.ms ?? 0;
        this.use(f);
      } else if (!failure) {
        failure = f;
        this.use(f);
      }
    }
    return { latencyMs, failure };
  }

  /** Whether a record-level UNABLE_TO_LOCK_ROW hits this record in this call (consumes one hit). */
  lockRecord(method: string, path: string, recordId: string | undefined): boolean {
    for (const f of [...this.faults]) {
      if (f.kind !== 'UNABLE_TO_LOCK_ROW' || !this.matches(f, method, path)) continue;
      if (f.recordIds) {
        if (recordId && f.recordIds.some((id) => id.slice(0, 15) === recordId.slice(0, 15))) {
          this.use(f);
          return true;
        }
      } else if (f.perRecord) {
        this.use(f);
        return true;
      }
    }
    return false;
  }
}
