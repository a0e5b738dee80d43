package io.drbatch.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The tables whose data pg_dump writes, and their row counts: ordinary tables and
 * partitions (not partitioned parents, which hold no rows of their own), each with its
 * own rows only (an inheritance parent without its children's), unlogged tables, in every
 * schema but the system ones, without tables that belong to extensions. Used on the
 * source at backup time and on the restored database at drill time, so both sides are
 * listed by the same rule. Stateless.
 */
public final class PgTables {

	private static final String TABLES_WITH_DATA = """
			SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind = 'r' AND c.relpersistence <> 't'
			  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
			  AND NOT EXISTS (SELECT 1 FROM pg_depend d
			                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
			ORDER BY n.nspname, c.relname
			""";

	private PgTables() {
	}

	/** A table by its exact catalog names, with the SQL-quoted form to put in a query. */
	public record Table(String schema, String name, String quoted) {

		public String qualifiedName() {
			return this.schema + "." + this.name;
		}

	}

	public static List<Table> withData(Connection connection) throws SQLException {
		List<Table> tables = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(TABLES_WITH_DATA)) {
			while (rs.next()) {
				tables.add(new Table(rs.getString(1), rs.getString(2), rs.getString(3)));
			}
		}
		return tables;
	}

	/**
	 * Quotes an identifier the way {@code quote_ident} does, for names that come from a
	 * manifest.
	 */
	public static String quote(String schema, String name) {
		return "\"" + schema.replace("\"", "\"\"") + "\".\"" + name.replace("\"", "\"\"") + "\"";
	}

	/**
	 * The table's own rows ({@code FROM ONLY}): an inheritance parent without its
	 * children's rows, which are counted with the children, as pg_dump writes them.
	 */
	public static long count(Connection connection, String quotedName) throws SQLException {
		return count(connection, quotedName, true);
	}

	/**
	 * @param ownRowsOnly {@code false} counts an inheritance parent with its children's
	 * rows, as manifests of format version 1 recorded them
	 */
	public static long count(Connection connection, String quotedName, boolean ownRowsOnly) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement
					.executeQuery("SELECT count(*) FROM " + (ownRowsOnly ? "ONLY " : "") + quotedName)) {
			rs.next();
			return rs.getLong(1);
		}
	}

}
