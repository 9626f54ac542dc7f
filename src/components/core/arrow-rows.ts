// Build-time Arrow tables as plain row objects. Pages fetch the bytes with
// FileAttachment(...).arrayBuffer() (a literal path Framework can see) and hand them here.
import { tableFromIPC } from "apache-arrow";

export function arrowRows<T = Record<string, unknown>>(bytes: ArrayBuffer | Uint8Array): T[] {
  const table = tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((name) => table.getChild(name)!);
  const rows: T[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = columns[c].get(i);
    rows[i] = row as T;
  }
  return rows;
}
