package io.drbatch.jobs.replication;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * What one replication run did and met, per secondary target, kept in the job execution's
 * context (so it is in the job repository, and visible to the status step): backups
 * copied, bytes sent, parts resumed, the failure that stopped the copies to a target (a
 * target that is down is not tried again in the same run), and the backups that could not
 * be copied. Reads and writes go to the given execution; thread-safe as far as one
 * execution is used by one step thread.
 */
final class ReplicationLedger {

	static final String PREFIX = "drbatch.replication.";

	private final ExecutionContext context;

	ReplicationLedger(JobExecution execution) {
		this.context = execution.getExecutionContext();
	}

	/**
	 * Forgets what an earlier execution of the same run recorded (a restart starts from
	 * the failed execution's context): each execution measures and copies afresh.
	 */
	void reset() {
		for (var entry : this.context.entrySet()) {
			if (entry.getKey().startsWith(PREFIX)) {
				this.context.remove(entry.getKey());
			}
		}
		this.context.remove("drbatch.bytes.out");
		this.context.remove("drbatch.bytes.in");
	}

	static String key(String target, String what) {
		return PREFIX + target + "." + what;
	}

	void targetFailed(String target, String message) {
		if (!this.context.containsKey(key(target, "failure"))) {
			this.context.putString(key(target, "failure"), message);
		}
	}

	String targetFailure(String target) {
		return this.context.containsKey(key(target, "failure")) ? this.context.getString(key(target, "failure")) : null;
	}

	void backupFailed(String target, String backup, String message) {
		add(target, "backups.failed", 1);
		if (!this.context.containsKey(key(target, "backups.failed.first"))) {
			this.context.putString(key(target, "backups.failed.first"), backup + ": " + message);
		}
	}

	String firstBackupFailure(String target) {
		return this.context.containsKey(key(target, "backups.failed.first"))
				? this.context.getString(key(target, "backups.failed.first")) : null;
	}

	void add(String target, String counter, long amount) {
		String key = key(target, counter);
		this.context.putLong(key, this.context.getLong(key, 0L) + amount);
		if (counter.equals("bytes.sent") || counter.equals("bytes.read")) {
			String total = counter.equals("bytes.sent") ? "drbatch.bytes.out" : "drbatch.bytes.in";
			this.context.putLong(total, this.context.getLong(total, 0L) + amount);
		}
	}

	long count(String target, String counter) {
		return this.context.getLong(key(target, counter), 0L);
	}

	void put(String target, String what, String value) {
		this.context.putString(key(target, what), value);
	}

	void put(String target, String what, long value) {
		this.context.putLong(key(target, what), value);
	}

}
