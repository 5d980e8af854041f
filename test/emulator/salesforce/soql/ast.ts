/** The SOQL subset's syntax tree. */
export interface FieldRef {
  /** As written, e.g. "Owner.Name". */
  path: string;
  pos: number;
}

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  /** TODAY, LAST_N_DAYS:3, ...: resolved to a [from, to) range of epoch ms at evaluation. */
  | { kind: 'dateLiteral'; name: string; n?: number };

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldRef; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE'; value: Literal; valuePos: number }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[]; valuePos: number };

export interface OrderItem {
  field: FieldRef;
  desc: boolean;
  nullsLast: boolean;
}

export interface SelectItem {
  kind: 'field' | 'count';
  field?: FieldRef;
}

export interface Query {
  select: SelectItem[];
  from: { name: string; pos: number };
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}
