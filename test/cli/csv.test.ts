/** The RFC 4180 parser behind `simulate <leads.csv>`. */
import { CsvError, parseCsv, parseCsvObjects } from '../../service/src/cli/csv';

describe('parseCsv', () => {
  it('splits plain fields and records (LF and CRLF)', () => {
    expect(parseCsv('a,b,c\n1,2,3\r\n4,5,6')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
  });

  it('does not add an empty record for a final line break', () => {
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(parseCsv('x,y\n"Acme, Inc.","He said ""hi"""\n"two\r\nlines","a\nb"\n')).toEqual([
      ['x', 'y'],
      ['Acme, Inc.', 'He said "hi"'],
      ['two\r\nlines', 'a\nb'],
    ]);
  });

  it('reads empty fields, empty quoted fields and a trailing empty field', () => {
    expect(parseCsv('a,,c\n"",x,\n,')).toEqual([
      ['a', '', 'c'],
      ['', 'x', ''],
      ['', ''],
    ]);
  });

  it('keeps surrounding spaces of unquoted fields (RFC 4180: spaces are part of a field)', () => {
    expect(parseCsv(' a , b ')).toEqual([[' a ', ' b ']]);
  });

  it('drops a UTF-8 byte order mark', () => {
    expect(parseCsv('\uFEFFId,Country\n1,FR')).toEqual([
      ['Id', 'Country'],
      ['1', 'FR'],
    ]);
  });

  it('treats a lone CR as a record separator', () => {
    expect(parseCsv('a,b\r1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('rejects an unclosed quote, naming the line where it opened', () => {
    expect(() => parseCsv('a,b\n1,"open\nstill open')).toThrow(new CsvError('quoted field is not closed', 2, 3));
  });

  it('rejects text after a closing quote and a quote inside an unquoted field', () => {
    expect(() => parseCsv('"a"b,c')).toThrow(/line 1, column 4: unexpected character after a closing quote/);
    expect(() => parseCsv('ab"c"')).toThrow(/line 1, column 3: a quote inside an unquoted field/);
  });
});

describe('parseCsvObjects', () => {
  it('keys records by the header, skips blank lines and leaves short records short', () => {
    const { header, rows } = parseCsvObjects('Id,Country,Company\n00Q1,FR,"A, B"\n\n00Q2,DE\n');
    expect(header).toEqual(['Id', 'Country', 'Company']);
    expect(rows).toEqual([
      { Id: '00Q1', Country: 'FR', Company: 'A, B' },
      { Id: '00Q2', Country: 'DE' },
    ]);
  });

  it('rejects a record longer than the header, naming the line it starts on', () => {
    expect(() => parseCsvObjects('a,b\n"x\ny",2\n1,2,3\n')).toThrow(/line 4, column 1: 3 fields but the header has 2/);
  });

  it('rejects duplicate and empty header names', () => {
    expect(() => parseCsvObjects('Id,Id\n1,2')).toThrow(/duplicate column "Id"/);
    expect(() => parseCsvObjects('Id,,X\n1,2,3')).toThrow(/line 1, column 2: empty column name/);
    expect(() => parseCsvObjects('')).toThrow(/header/);
  });
});
