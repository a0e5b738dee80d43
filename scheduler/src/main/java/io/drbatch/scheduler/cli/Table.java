package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.drbatch.manifest.ManifestJson;

/**
 * One listing's rows, printed in any {@link OutputFormat}: every listing of the CLI goes
 * through this class, so scripts read the same columns by name in JSON or TSV that people
 * read in the aligned text. Cells are {@link Number}s, strings or {@code null}. Not
 * thread-safe: built and printed by one command.
 */
final class Table {

	/**
	 * @param key the column's name in JSON and TSV ({@code snake_case})
	 * @param header its heading in text
	 * @param rightAligned numbers line up on the right in text
	 */
	record Column(String key, String header, boolean rightAligned) {

		static Column left(String key, String header) {
			return new Column(key, header, false);
		}

		static Column right(String key, String header) {
			return new Column(key, header, true);
		}

	}

	private final List<Column> columns;

	private final List<List<Object>> rows = new ArrayList<>();

	Table(Column... columns) {
		this.columns = List.of(columns);
	}

	Table(List<Column> columns) {
		this.columns = List.copyOf(columns);
	}

	Table row(Object... cells) {
		if (cells.length != this.columns.size()) {
			throw new IllegalArgumentException(cells.length + " cells for " + this.columns.size() + " columns");
		}
		this.rows.add(java.util.Arrays.asList(cells));
		return this;
	}

	boolean isEmpty() {
		return this.rows.isEmpty();
	}

	/**
	 * Prints the table; in text, {@code none} (e.g. {@code (no backups)}) stands for an
	 * empty table and {@code notes} follow it, while JSON and TSV print rows only, so
	 * that their output stays parseable.
	 */
	void print(PrintStream out, OutputFormat format, String none, List<String> notes) {
		switch (format) {
			case JSON -> out.println(ManifestJson.writeString(asMaps()));
			case TSV -> printTsv(out);
			case TEXT -> {
				printText(out);
				if (this.rows.isEmpty() && none != null) {
					out.println(none);
				}
				notes.forEach(out::println);
			}
		}
	}

	void print(PrintStream out, OutputFormat format, String none) {
		print(out, format, none, List.of());
	}

	private List<Map<String, Object>> asMaps() {
		List<Map<String, Object>> maps = new ArrayList<>();
		for (List<Object> row : this.rows) {
			Map<String, Object> map = new LinkedHashMap<>();
			for (int i = 0; i < this.columns.size(); i++) {
				map.put(this.columns.get(i).key(), row.get(i));
			}
			maps.add(map);
		}
		return maps;
	}

	private void printTsv(PrintStream out) {
		out.println(String.join("\t", this.columns.stream().map(Column::key).toList()));
		for (List<Object> row : this.rows) {
			List<String> cells = new ArrayList<>();
			for (Object cell : row) {
				cells.add(cell == null ? "" : String.valueOf(cell).replace('\t', ' ').replace('\n', ' '));
			}
			out.println(String.join("\t", cells));
		}
	}

	private void printText(PrintStream out) {
		int[] widths = new int[this.columns.size()];
		for (int i = 0; i < widths.length; i++) {
			widths[i] = this.columns.get(i).header().length();
			for (List<Object> row : this.rows) {
				widths[i] = Math.max(widths[i], text(row.get(i)).length());
			}
		}
		out.println(line(widths, this.columns.stream().map(c -> (Object) c.header()).toList()));
		for (List<Object> row : this.rows) {
			out.println(line(widths, row));
		}
	}

	private String line(int[] widths, List<Object> cells) {
		StringBuilder line = new StringBuilder();
		for (int i = 0; i < widths.length; i++) {
			String cell = text(cells.get(i));
			boolean last = i == widths.length - 1;
			if (i > 0) {
				line.append("  ");
			}
			if (this.columns.get(i).rightAligned()) {
				line.append(" ".repeat(widths[i] - cell.length())).append(cell);
			}
			else {
				line.append(cell);
				if (!last) {
					line.append(" ".repeat(widths[i] - cell.length()));
				}
			}
		}
		return line.toString().stripTrailing();
	}

	private static String text(Object cell) {
		return cell == null ? "-" : String.valueOf(cell);
	}

}
