package io.drbatch.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private (0600) pgpass file for one child process, so that a password reaches pg_dump
 * or pg_restore through {@code PGPASSFILE} in its environment and never through its argv.
 * Deleted on {@link #close()}. Its name carries the JVM's pid
 * ({@code drbatch-<pid>-<n>.pgpass} in the temp folder), so that the files of a drbatch
 * killed before it could close them are deleted by the first pgpass file any later run
 * writes. Not thread-safe; one per child process.
 */
public final class PgPassFile implements AutoCloseable {

	private static final Pattern NAME = Pattern.compile("drbatch-(\\d+)-\\d+\\.pgpass");

	private static final AtomicBoolean SWEPT = new AtomicBoolean();

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
			if (SWEPT.compareAndSet(false, true)) {
				deleteStale(Path.of(System.getProperty("java.io.tmpdir")));
			}
			Path file = Files.createTempFile("drbatch-" + ProcessHandle.current().pid() + "-", ".pgpass",
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

	/**
	 * Deletes the pgpass files in {@code folder} that a drbatch process no longer alive
	 * left behind.
	 * @return how many were deleted
	 */
	public static int deleteStale(Path folder) {
		int deleted = 0;
		try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "drbatch-*.pgpass")) {
			for (Path file : files) {
				Matcher name = NAME.matcher(file.getFileName().toString());
				if (name.matches()
						&& ProcessHandle.of(Long.parseLong(name.group(1))).map(p -> !p.isAlive()).orElse(true)
						&& Files.deleteIfExists(file)) {
					deleted++;
				}
			}
		}
		catch (IOException ex) {
			// a folder that cannot be listed holds nothing this run can clean; the run
			// goes on
		}
		return deleted;
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
