/**
 * A small RFC 4180 CSV reader with limits: quoted fields (commas, quotes, line breaks inside),
 * CRLF or LF, a UTF-8 BOM. Returns rows with their 1-based line numbers for error reports.
 */
export interface CsvRow {
  readonly line: number;
  readonly fields: readonly string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseCsv(text: string, limits: { rowsMax: number; fieldsMax: number; fieldCharsMax: number }): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    if (field.length > limits.fieldCharsMax) throw new CsvError(rowLine, `a field is longer than ${limits.fieldCharsMax} characters`);
    fields.push(field);
    field = "";
    if (fields.length > limits.fieldsMax) throw new CsvError(rowLine, `more than ${limits.fieldsMax} fields`);
  };
  const endRow = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === "")) rows.push({ line: rowLine, fields });
    if (rows.length > limits.rowsMax) throw new CsvError(rowLine, `more than ${limits.rowsMax} rows`);
    fields = [];
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") endField();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted) throw new CsvError(rowLine, "a quoted field is not closed");
  if (field !== "" || fields.length > 0) endRow();
  return rows;
}
