package io.drbatch.scheduler.cli;

import io.drbatch.failure.FailureKind;

/**
 * Process exit codes of the drbatch CLI, one per thing an operator does differently.
 * {@code drbatch --help} prints them from here; README.md lists them too (a test keeps
 * the two in step). Each meaning fits one 80-column line.
 */
public enum ExitCode {

	OK(0, "success"), JOB_FAILED(1, "the job ran and failed (see the error line and the log)"),
	BAD_ARGUMENT(2, "unknown command, job, parameter, database or target; a malformed value"),
	BAD_CONFIGURATION(3, "a configuration key is missing or invalid (the message names it)"),
	DATABASE_UNAVAILABLE(4, "a database (source or job repository) cannot be reached or refuses login"),
	STORE_ACCESS_DENIED(5, "the object store rejected the credentials"),
	STORE_BUCKET_MISSING(6, "the configured bucket does not exist"),
	STORE_UNAVAILABLE(7, "the object store cannot be reached or keeps failing"),
	TOOL_MISMATCH(8, "pg_dump/pg_restore missing or older than the server"),
	INTEGRITY(9, "stored data does not match its manifest (size, checksum, row counts)"),
	TOOL_FAILED(10, "pg_dump/pg_restore/psql exited with an error"),
	EXECUTION_CONFLICT(11, "the execution cannot be started, restarted or stopped in its state"),
	STOPPED(12, "stopped on request (SIGTERM, drbatch stop); relaunch: drbatch restart"),
	AT_RISK(13, "status: a backup older than the RPO target, or no recent passing drill"),
	REPLICATION_BEHIND(14, "replication: a secondary is down or behind; the next run catches up"),
	WAL_CHAIN_BROKEN(15, "WAL chain broken: recovery past the hole needs a new base backup"),
	INTERNAL_ERROR(70, "unexpected error (a bug): the log has the stack trace");

	private final int code;

	private final String meaning;

	ExitCode(int code, String meaning) {
		this.code = code;
		this.meaning = meaning;
	}

	public int code() {
		return this.code;
	}

	public String meaning() {
		return this.meaning;
	}

	public static ExitCode of(FailureKind kind) {
		return switch (kind) {
			case BAD_ARGUMENT -> BAD_ARGUMENT;
			case BAD_CONFIGURATION -> BAD_CONFIGURATION;
			case DATABASE_UNAVAILABLE, DATABASE_LOGIN_REFUSED -> DATABASE_UNAVAILABLE;
			case STORE_ACCESS_DENIED -> STORE_ACCESS_DENIED;
			case STORE_BUCKET_MISSING -> STORE_BUCKET_MISSING;
			case STORE_UNAVAILABLE -> STORE_UNAVAILABLE;
			case TOOL_MISMATCH -> TOOL_MISMATCH;
			case INTEGRITY -> INTEGRITY;
			case TOOL_FAILED -> TOOL_FAILED;
			case REPLICATION_BEHIND -> REPLICATION_BEHIND;
			case WAL_CHAIN_BROKEN -> WAL_CHAIN_BROKEN;
		};
	}

}
