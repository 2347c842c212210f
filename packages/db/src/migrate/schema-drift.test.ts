import { readFileSync } from "node:fs";
import path from "node:path";
import { getDMMF } from "@prisma/get-dmmf";
import { createSuiteEnv, type SuiteEnv } from "@inbound/testing";

/**
 * prisma migrate diff cannot run on this machine (no schema engine), so this test is the guard against
 * drift: the database that prisma/migrations produces must have exactly the tables, columns (type and
 * nullability), enums and indexes that prisma/schema.prisma describes.
 */
const SCHEMA_PATH = path.resolve(__dirname, "../../../../prisma/schema.prisma");

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  Float: "double precision",
  Json: "jsonb",
  DateTime: "timestamp(3) without time zone",
};

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Timestamptz: (args) => `timestamp(${args[0] ?? 6}) with time zone`,
  Text: () => "text",
  Uuid: () => "uuid",
};

type Dmmf = Extract<Awaited<ReturnType<typeof getDMMF>>, { datamodel: unknown }>;

let suite: SuiteEnv;
let dmmf: Dmmf;

beforeAll(async () => {
  suite = await createSuiteEnv();
  const result = await getDMMF({ datamodel: readFileSync(SCHEMA_PATH, "utf8") });
  if (!("datamodel" in result)) throw new Error(`prisma/schema.prisma does not parse: ${JSON.stringify(result)}`);
  dmmf = result;
});
afterAll(() => suite.close());

function expectedColumns(): Record<string, Record<string, string>> {
  const enumDbName = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const tables: Record<string, Record<string, string>> = {};
  for (const model of dmmf.datamodel.models) {
    const columns: Record<string, string> = {};
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      let type: string;
      if (field.kind === "enum") type = enumDbName.get(field.type) ?? field.type;
      else if (field.nativeType) {
        const [name, args] = field.nativeType as [string, string[]];
        const render = NATIVE_TYPES[name];
        if (!render) throw new Error(`drift test: add a mapping for @db.${name}`);
        type = render(args);
      } else type = SCALAR_TYPES[field.type] ?? `unmapped ${field.type}`;
      columns[field.dbName ?? field.name] = `${type}${field.isList ? "[]" : ""} ${field.isRequired ? "NOT NULL" : "NULL"}`;
    }
    tables[model.dbName ?? model.name] = columns;
  }
  return tables;
}

async function actualColumns(): Promise<Record<string, Record<string, string>>> {
  const { rows } = await suite.db.pool.query<{ table_name: string; column_name: string; type: string; is_nullable: string }>(`
    SELECT c.relname AS table_name, a.attname AS column_name,
           format_type(a.atttypid, a.atttypmod) AS type,
           CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relname <> '_prisma_migrations'`);
  const tables: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    const type = row.type.replace(/^"(.*)"$/, "$1");
    tables[row.table_name] ??= {};
    tables[row.table_name]![row.column_name] = `${type} ${row.is_nullable === "NO" ? "NOT NULL" : "NULL"}`;
  }
  return tables;
}

test("every model's table has exactly the schema's columns, types and nullability", async () => {
  expect(await actualColumns()).toEqual(expectedColumns());
});

test("enums have the schema's values in order", async () => {
  const { rows } = await suite.db.pool.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`);
  const actual = Object.fromEntries(rows.map((r) => [r.name, r.values]));
  const expected = Object.fromEntries(
    dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
  );
  expect(actual).toEqual(expected);
});

test("indexes, unique constraints and primary keys match the schema", async () => {
  const columnName = new Map<string, string>();
  const tableName = new Map<string, string>();
  for (const model of dmmf.datamodel.models) {
    tableName.set(model.name, model.dbName ?? model.name);
    for (const field of model.fields) columnName.set(`${model.name}.${field.name}`, field.dbName ?? field.name);
  }
  const expected = dmmf.datamodel.indexes
    .map((index) => {
      const table = tableName.get(index.model);
      const columns = index.fields.map((f) => columnName.get(`${index.model}.${f.name}`)).join(",");
      const kind = index.type === "id" ? "primary" : index.type === "normal" ? "index" : "unique";
      return `${table}(${columns}) ${kind}`;
    })
    .sort();

  const { rows } = await suite.db.pool.query<{ definition: string }>(`
    SELECT t.relname || '(' || string_agg(a.attname, ',' ORDER BY k.ord) || ') ' ||
           CASE WHEN ix.indisprimary THEN 'primary' WHEN ix.indisunique THEN 'unique' ELSE 'index' END AS definition
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
    GROUP BY t.relname, ix.indexrelid, ix.indisprimary, ix.indisunique`);
  expect(rows.map((r) => r.definition).sort()).toEqual(expected);
});
