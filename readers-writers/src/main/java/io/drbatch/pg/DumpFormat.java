package io.drbatch.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pg_dump output formats drbatch writes. {@link #CUSTOM} is restored with pg_restore
 * (selectively, in parallel from a file); {@link #PLAIN} is SQL that {@code psql}
 * replays, the plan's historical format. Both are written uncompressed by pg_dump and
 * compressed by drbatch.
 */
public enum DumpFormat {

	CUSTOM("pgdump"), PLAIN("sql");

	private final String extension;

	DumpFormat(String extension) {
		this.extension = extension;
	}

	public String extension() {
		return this.extension;
	}

	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	public static DumpFormat fromId(String id) {
		return valueOf(id.toUpperCase(Locale.ROOT));
	}

	/**
	 * The pg_dump command line for {@code spec} in {@code snapshotId}; it holds no
	 * secret.
	 */
	public List<String> pgDumpCommand(String pgDump, PgConnectionSpec spec, String snapshotId) {
		List<String> command = new ArrayList<>(List.of(pgDump, "--format=" + id(), "--snapshot=" + snapshotId,
				"--no-password", "--host=" + spec.host(), "--port=" + spec.port(), "--username=" + spec.username()));
		if (this == CUSTOM) {
			command.add("--compress=0");
		}
		command.add("--dbname=" + spec.database());
		return command;
	}

}
