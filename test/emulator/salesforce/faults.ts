/**
 * Faults the control surface injects into Salesforce REST: 503, UNABLE_TO_LOCK_ROW (whole request or per
 * record inside composite), or added latency; on chosen methods/paths, N times or until cleared.
 */
export type FaultKind = '503' | 'UNABLE_TO_LOCK_ROW' | 'latency';

export interface FaultSpec {
  kind: FaultKind;
  /** HTTP method to match (default any). */
  method?: string;
  /** Substring or /regex/ matched against the path after /services/data/vNN.N (default any). */
  path?: string;
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
}

export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, method: spec.method?.toUpperCase(), id: this.nextId++, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
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
    if (!f.path) return true;
    const re = /^\/(.*)\/([a-z]*)$/.exec(f.path);
    return re ? new RegExp(re[1], re[2]).test(path) : path.includes(f.path);
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
