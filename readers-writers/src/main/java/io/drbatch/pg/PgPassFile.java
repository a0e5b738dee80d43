package io.drbatch.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A private (0600) pgpass file for one child process, so that a password reaches pg_dump
 * or pg_restore through {@code PGPASSFILE} in its environment and never through its argv.
 * Deleted on {@link #close()}. Not thread-safe; one per child process.
 */
public final class PgPassFile implements AutoCloseable {

	private final Path file;

	private PgPassFile(Path file) {
		this.file = file;
	}

	/**
	 * Puts {@code PGPASSFILE} (and removes any inherited {@code PGPASSWORD}) in
	 * {@code environment}.
	 * @return the file to close after the process ends, or {@code null} when {@code spec}
	 * has no password
	 */
	public static PgPassFile install(PgConnectionSpec spec, Map<String, String> environment) {
		environment.remove("PGPASSWORD");
		if (spec.password() == null) {
			return null;
		}
		try {
			Path file = Files.createTempFile("drbatch-", ".pgpass",
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
			String line = String.join(":", escape(spec.host()), String.valueOf(spec.port()), "*",
					escape(spec.username()), escape(spec.password())) + "\n";
			Files.writeString(file, line, StandardCharsets.UTF_8);
			environment.put("PGPASSFILE", file.toString());
			return new PgPassFile(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot write a private pgpass file", ex);
		}
	}

	private static String escape(String field) {
		return field.replace("\\", "\\\\").replace(":", "\\:");
	}

	@Override
	public void close() {
		try {
			Files.deleteIfExists(this.file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot delete " + this.file, ex);
		}
	}

}
