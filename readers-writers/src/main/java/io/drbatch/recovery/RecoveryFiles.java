package io.drbatch.recovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The files that turn an extracted base backup into a recovering server: the spool
 * folder's {@code restore_command} script, the recovery settings appended to
 * {@code postgresql.auto.conf} (the target, timeline {@code latest}, promote at the
 * target, and archiving switched off so that the recovered server can never write into
 * the chain it came from), {@code recovery.signal}, and a minimal {@code postgresql.conf}
 * and {@code pg_hba.conf} when the source kept its own outside the data directory (as
 * Debian's clusters do). Stateless.
 */
public final class RecoveryFiles {

	/**
	 * PostgreSQL checks {@code recovery_target_time} with its own parser, which refuses
	 * ISO-8601's nine fractional digits; its timestamps hold microseconds, so truncating
	 * to them selects exactly the same commits.
	 */
	private static final DateTimeFormatter SERVER_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'")
		.withZone(ZoneOffset.UTC);

	static final String EXPECTED = ".expected";

	static final String DONE = ".done";

	static final String FAILED = ".failed";

	static final String TAKEN = ".taken";

	/** The script's name in the spool folder. */
	public static final String SCRIPT = "restore-wal.sh";

	/** Marks a data directory drbatch recovered into (its content: the job instance). */
	public static final String MARKER = ".drbatch-recovery";

	/**
	 * The lines drbatch appends to {@code postgresql.auto.conf} start with this comment.
	 */
	public static final String SETTINGS_HEADER = "# drbatch point-in-time recovery";

	private RecoveryFiles() {
	}

	/**
	 * Writes the {@code restore_command} script into {@code spool}: it copies the file
	 * PostgreSQL asks for once the prefetcher has put it there, answers "no such file" at
	 * once for a name the prefetcher will not fetch, and stops waiting when fetching
	 * ended or failed.
	 */
	public static Path restoreScript(Path spool) throws IOException {
		Files.createDirectories(spool);
		String script = """
				#!/bin/sh
				# restore_command of a drbatch recovery: copies a WAL file the prefetcher verified
				d='%s'
				f="$1"
				grep -qxF "$f" "$d/.expected" 2>/dev/null || exit 1
				while :; do
				  if [ -f "$d/$f" ]; then
				    cp "$d/$f" "$2" || exit 1
				    : > "$d/$f.taken"
				    exit 0
				  fi
				  [ -f "$d/.failed" ] && exit 1
				  [ -f "$d/.done" ] && [ ! -f "$d/$f" ] && exit 1
				  sleep 0.05
				done
				""".formatted(spool.toAbsolutePath().toString().replace("'", "'\\''"));
		Path path = spool.resolve(SCRIPT);
		Files.writeString(path, script, StandardCharsets.UTF_8);
		Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
		return path;
	}

	/**
	 * The recovery settings for {@code target}, listening on 127.0.0.1:{@code port} only,
	 * for a server of {@code serverVersionNum} (e.g. 150004).
	 */
	public static List<String> settings(RecoveryTarget target, Path script, int port, int serverVersionNum) {
		List<String> lines = new ArrayList<>();
		lines.add(SETTINGS_HEADER + " (appended last: these win over the lines above)");
		lines.add("port = " + port);
		lines.add("listen_addresses = '127.0.0.1'");
		lines.add("unix_socket_directories = ''");
		lines.add("archive_mode = off");
		lines.add("archive_command = ''");
		if (serverVersionNum >= 150000) {
			lines.add("archive_library = ''");
		}
		lines.add("restore_command = '\"" + quote(script.toAbsolutePath().toString()) + "\" \"%f\" \"%p\"'");
		lines.add("recovery_target_timeline = 'latest'");
		lines.add("recovery_target_action = 'promote'");
		lines.add("recovery_target_inclusive = "
				+ (target instanceof RecoveryTarget.AtLsn at && !at.inclusive() ? "off" : "on"));
		if (target instanceof RecoveryTarget.AtTime at) {
			lines.add("recovery_target_time = '" + SERVER_TIME.format(at.time()) + "'");
		}
		else if (target instanceof RecoveryTarget.AtLsn at) {
			lines.add("recovery_target_lsn = '" + at.lsn() + "'");
		}
		lines.add("primary_conninfo = ''");
		lines.add("primary_slot_name = ''");
		lines.add("hot_standby = on");
		lines.add("logging_collector = off");
		return lines;
	}

	/**
	 * The {@code pg_hba.conf} of a recovered cluster whose source kept its own elsewhere:
	 * loopback only (the server listens on 127.0.0.1 alone); drbatch's login the way the
	 * source let it in (its password, or none when the source trusted it), every other
	 * role with its password. {@code md5} rather than {@code scram-sha-256}: it accepts a
	 * role whose password is stored either way, and uses SCRAM when it is stored so.
	 */
	static String hostBasedAuthentication(String loginUser, boolean loginHasPassword) {
		String user = "\"" + loginUser.replace("\"", "\"\"") + "\"";
		return "# written by drbatch: the source kept its pg_hba.conf outside the data directory\n" + "host all " + user
				+ " 127.0.0.1/32 " + (loginHasPassword ? "md5" : "trust") + "\n" + "host all all 127.0.0.1/32 md5\n";
	}

	/**
	 * Prepares {@code data} (an extracted base backup) to recover to {@code target}.
	 * @param loginUser the role drbatch watches the recovery with (the source's login)
	 * @param loginHasPassword whether drbatch has a password for it
	 */
	public static void configure(Path data, RecoveryTarget target, Path script, int port, int serverVersionNum,
			String loginUser, boolean loginHasPassword) throws IOException {
		if (!Files.exists(data.resolve("postgresql.conf"))) {
			Files.writeString(data.resolve("postgresql.conf"),
					"# written by drbatch: the source kept its postgresql.conf outside the data directory\n");
		}
		if (!Files.exists(data.resolve("pg_hba.conf"))) {
			Files.writeString(data.resolve("pg_hba.conf"), hostBasedAuthentication(loginUser, loginHasPassword));
		}
		if (!Files.exists(data.resolve("pg_ident.conf"))) {
			Files.writeString(data.resolve("pg_ident.conf"), "");
		}
		Path auto = data.resolve("postgresql.auto.conf");
		String existing = Files.exists(auto) ? Files.readString(auto) : "";
		int ours = existing.indexOf(SETTINGS_HEADER);
		if (ours >= 0) {
			existing = existing.substring(0, ours);
		}
		if (!existing.isEmpty() && !existing.endsWith("\n")) {
			existing += "\n";
		}
		Files.writeString(auto, existing + String.join("\n", settings(target, script, port, serverVersionNum)) + "\n");
		Files.deleteIfExists(data.resolve("standby.signal"));
		Files.deleteIfExists(data.resolve("postmaster.pid"));
		Files.writeString(data.resolve("recovery.signal"), "");
	}

	private static String quote(String value) {
		return value.replace("'", "''");
	}

	/**
	 * Removes what is in {@code dir} (not {@code dir} itself), when it exists.
	 * @throws java.io.UncheckedIOException when something cannot be removed
	 */
	public static void empty(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
			for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
				if (!path.equals(dir)) {
					Files.delete(path);
				}
			}
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException("cannot empty " + dir, ex);
		}
	}

}
