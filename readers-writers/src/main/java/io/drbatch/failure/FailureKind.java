package io.drbatch.failure;

/**
 * What went wrong, in terms an operator acts on. Each kind maps to one process exit code
 * (see the exit code table in README.md); {@link #transientFailure()} tells whether
 * retrying the same operation later can succeed without anyone changing anything.
 */
public enum FailureKind {

	/** A command-line argument or job parameter is unknown or malformed. */
	BAD_ARGUMENT(false),
	/** A configuration key is missing or invalid. */
	BAD_CONFIGURATION(false),
	/**
	 * The source or drill database, or the job repository, cannot be reached or fails a
	 * query.
	 */
	DATABASE_UNAVAILABLE(true),
	/**
	 * A database refused the login: a wrong or missing password, an unknown role, no
	 * pg_hba entry for it. Only fixing the login helps, not a relaunch.
	 */
	DATABASE_LOGIN_REFUSED(false),
	/** A PostgreSQL client tool is missing or older than the server. */
	TOOL_MISMATCH(false),
	/**
	 * The object store rejected the credentials (InvalidAccessKeyId,
	 * SignatureDoesNotMatch, AccessDenied).
	 */
	STORE_ACCESS_DENIED(false),
	/** The configured bucket does not exist. */
	STORE_BUCKET_MISSING(false),
	/** The object store cannot be reached or answers with server errors. */
	STORE_UNAVAILABLE(true),
	/**
	 * Stored data does not match what was written or recorded (size, checksum, row
	 * count).
	 */
	INTEGRITY(false),
	/** A child process (pg_dump, pg_restore, psql) failed. */
	TOOL_FAILED(true),
	/**
	 * A secondary target lacks some of the primary's backups (down, or a copy failed); a
	 * later run catches up.
	 */
	REPLICATION_BEHIND(true),
	/**
	 * The WAL archive has a hole (a slot lost or dropped, a segment deleted):
	 * point-in-time recovery past it needs a new base backup.
	 */
	WAL_CHAIN_BROKEN(false);

	private final boolean transientFailure;

	FailureKind(boolean transientFailure) {
		this.transientFailure = transientFailure;
	}

	public boolean transientFailure() {
		return this.transientFailure;
	}

}
