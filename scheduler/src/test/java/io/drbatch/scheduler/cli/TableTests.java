package io.drbatch.scheduler.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.drbatch.manifest.ManifestJson;
import io.drbatch.scheduler.cli.Table.Column;

import static org.assertj.core.api.Assertions.assertThat;

class TableTests {

	private Table table() {
		return new Table(Column.right("id", "ID"), Column.left("job", "JOB"), Column.right("bytes", "BYTES"),
				Column.left("note", "NOTE"))
			.row(7L, "daily-dump", 123456789L, null)
			.row(12L, "retention", null, "a\tb");
	}

	@Test
	void textAlignsColumnsUnderTheirHeadersAndShowsADashForAnEmptyCell() {
		assertThat(print(table(), OutputFormat.TEXT)).isEqualTo("""
				ID  JOB             BYTES  NOTE
				 7  daily-dump  123456789  -
				12  retention           -  a\tb
				""");
	}

	@Test
	void jsonKeysCellsByColumnNameWithNumbersAsNumbers() {
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> rows = ManifestJson.read(print(table(), OutputFormat.JSON), List.class);
		assertThat(rows).hasSize(2);
		assertThat(rows.get(0)).containsEntry("id", 7)
			.containsEntry("job", "daily-dump")
			.containsEntry("bytes", 123456789)
			.containsEntry("note", null);
	}

	@Test
	void tsvHasAHeaderOfColumnNamesAndOneLinePerRowWithTabsInCellsReplaced() {
		assertThat(print(table(), OutputFormat.TSV))
			.isEqualTo("id\tjob\tbytes\tnote\n7\tdaily-dump\t123456789\t\n12\tretention\t\ta b\n");
	}

	@Test
	void anEmptyTableSaysSoInTextAndStaysParseableOtherwise() {
		Table empty = new Table(Column.left("a", "A"));
		assertThat(print(empty, OutputFormat.TEXT, "(nothing)")).isEqualTo("A\n(nothing)\n");
		assertThat(print(empty, OutputFormat.JSON, "(nothing)").strip()).isEqualTo("[ ]");
		assertThat(print(empty, OutputFormat.TSV, "(nothing)")).isEqualTo("a\n");
	}

	private static String print(Table table, OutputFormat format) {
		return print(table, format, null);
	}

	private static String print(Table table, OutputFormat format, String none) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), format, none);
		return bytes.toString(StandardCharsets.UTF_8);
	}

}
