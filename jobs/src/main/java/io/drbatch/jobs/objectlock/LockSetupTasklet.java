package io.drbatch.jobs.objectlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ObjectStore;

/**
 * For every target with {@code lock.enabled}: creates the bucket with Object Lock when it
 * is missing, enables versioning explicitly (some stores need it even on a lock bucket),
 * sets the default retention (mode and days) and the lifecycle rules, then reads
 * everything back and fails, naming the target and the setting, when the store did not
 * keep it. A bucket that exists without Object Lock is refused with a clear error (the
 * lock is enabled when a bucket is created). The outcome per target goes to the log and
 * the step's execution context. Idempotent: a second run finds everything in place and
 * changes nothing that matters.
 */
class LockSetupTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(LockSetupTasklet.class);

	static final String REPORT = "drbatch.lock.report";

	private final List<DrbatchProperties.Target> configured;

	private final StoreTargets targets;

	LockSetupTasklet(List<DrbatchProperties.Target> configured, StoreTargets targets) {
		this.configured = configured;
		this.targets = targets;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		List<String> report = new ArrayList<>();
		for (DrbatchProperties.Target target : this.configured) {
			if (!target.lock().enabled()) {
				report.add(target.name() + ": not locked (lock.enabled is false)");
				continue;
			}
			report.add(apply(target));
			contribution.incrementWriteCount(1);
		}
		report.forEach(line -> log.info("object-lock-setup: {}", line));
		chunkContext.getStepContext()
			.getStepExecution()
			.getExecutionContext()
			.putString(REPORT, String.join("\n", report));
		if (report.stream().allMatch(line -> line.endsWith("(lock.enabled is false)"))) {
			log.warn("object-lock-setup: no target has drbatch.targets[N].lock.enabled=true; nothing was locked");
		}
		return RepeatStatus.FINISHED;
	}

	String apply(DrbatchProperties.Target target) {
		ObjectStore store = this.targets.get(target.name());
		BucketProtection protection = store.protection()
			.orElseThrow(() -> new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"target '" + target.name() + "': its store cannot hold Object Lock"));
		DrbatchProperties.Lock lock = target.lock();
		BucketProtection.State before = protection.read();
		boolean created = false;
		if (!before.exists()) {
			protection.createWithObjectLock();
			created = true;
		}
		else if (!before.lockEnabled()) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"target '" + target.name() + "': bucket '" + target.bucket()
							+ "' exists without Object Lock, which can only be enabled when a bucket is created; "
							+ "point drbatch.targets[N].bucket at a new bucket and run object-lock-setup again");
		}
		protection.enableVersioning();
		protection.putDefaultRetention(lock.mode(), lock.days());
		if (lock.abortIncompleteUploadsDays() != null || lock.noncurrentVersionExpirationDays() != null) {
			protection.putLifecycle(lock.abortIncompleteUploadsDays(), lock.noncurrentVersionExpirationDays());
		}
		BucketProtection.State after = protection.read();
		List<String> differences = new ArrayList<>();
		expect(differences, "Object Lock", true, after.lockEnabled());
		expect(differences, "versioning", "Enabled", after.versioning());
		expect(differences, "lock.mode", lock.mode(), after.lockMode());
		expect(differences, "lock.days", lock.days(), after.lockDays());
		if (lock.abortIncompleteUploadsDays() != null) {
			expect(differences, "lock.abort-incomplete-uploads-days", lock.abortIncompleteUploadsDays(),
					after.abortIncompleteUploadsDays());
		}
		if (lock.noncurrentVersionExpirationDays() != null) {
			expect(differences, "lock.noncurrent-version-expiration-days", lock.noncurrentVersionExpirationDays(),
					after.noncurrentVersionExpirationDays());
		}
		if (!differences.isEmpty()) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"target '" + target.name() + "' did not keep its lock settings: " + String.join("; ", differences));
		}
		return target.name() + ": bucket " + target.bucket() + (created ? " created with Object Lock" : "")
				+ ", versioning " + after.versioning() + ", default retention " + after.lockMode() + " "
				+ after.lockDays() + " days"
				+ (after.abortIncompleteUploadsDays() != null
						? ", incomplete uploads aborted after " + after.abortIncompleteUploadsDays() + " days" : "")
				+ (after.noncurrentVersionExpirationDays() != null
						? ", noncurrent versions expire after " + after.noncurrentVersionExpirationDays() + " days"
						: "");
	}

	private static void expect(List<String> differences, String setting, Object expected, Object actual) {
		if (!Objects.equals(expected, actual)) {
			differences.add(setting + " is " + actual + ", expected " + expected);
		}
	}

}
