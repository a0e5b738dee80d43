package io.drbatch.pg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Locates the PostgreSQL client tools and checks that they can handle a server: a pg_dump
 * older than the server's major version cannot dump it and is refused up front. Stateless
 * and thread-safe.
 */
public final class PgClientTools {

	private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

	private final String pgDump;

	public PgClientTools(String pgDump) {
		this.pgDump = pgDump;
	}

	/**
	 * The version line the tool prints, e.g.
	 * {@code pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)}.
	 */
	public static String versionOf(String tool) {
		try {
			Process process = new ProcessBuilder(List.of(tool, "--version")).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new DrbatchException(FailureKind.TOOL_MISMATCH, tool + " --version failed: " + output);
			}
			return output;
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.TOOL_MISMATCH,
					"cannot run " + tool + " (is the PostgreSQL client installed and on PATH?): " + ex.getMessage(),
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DrbatchException(FailureKind.TOOL_MISMATCH, "interrupted while asking " + tool + " its version",
					ex);
		}
	}

	/** The major version in a {@code --version} line. */
	public static int majorVersion(String versionLine) {
		Matcher matcher = VERSION.matcher(versionLine);
		if (!matcher.find()) {
			throw new DrbatchException(FailureKind.TOOL_MISMATCH,
					"cannot read a PostgreSQL version in '" + versionLine + "'");
		}
		return Integer.parseInt(matcher.group(1));
	}

	/**
	 * Checks that pg_dump can dump a server of {@code serverVersionNum} (e.g. 150020).
	 * @return pg_dump's version line, for the manifest
	 */
	public String requireDumpCompatible(int serverVersionNum) {
		String versionLine = versionOf(this.pgDump);
		int toolMajor = majorVersion(versionLine);
		int serverMajor = serverVersionNum / 10000;
		if (toolMajor < serverMajor) {
			throw new DrbatchException(FailureKind.TOOL_MISMATCH,
					this.pgDump + " is version " + toolMajor + " but the server is version " + serverMajor
							+ "; install a pg_dump of version " + serverMajor
							+ " or newer and point drbatch.dump.pg-dump-path at it");
		}
		return versionLine;
	}

}
