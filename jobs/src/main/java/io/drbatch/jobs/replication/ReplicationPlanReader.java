package io.drbatch.jobs.replication;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemReader;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * Lists, when the step starts, every backup of the primary (all databases, all tiers,
 * newest first) that a secondary target does not hold as a verified copy
 * ({@link ReplicaCheck}: manifest missing, objects missing or differing; with
 * {@code verify=full} also read back). A target that cannot be listed is recorded as
 * failed and gets no items. Each step execution has its own list, so concurrent
 * executions do not mix. Thread-safe.
 */
class ReplicationPlanReader implements ItemReader<Replica>, StepExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(ReplicationPlanReader.class);

	private final StoreTargets targets;

	private final Map<Long, Deque<Replica>> plans = new ConcurrentHashMap<>();

	ReplicationPlanReader(StoreTargets targets) {
		this.targets = targets;
	}

	/**
	 * The secondaries a run replicates to: every target but the first, or the one named
	 * by {@code target}.
	 */
	static List<String> secondaries(StoreTargets targets, String only) {
		List<String> all = targets.names().subList(1, targets.names().size());
		if (only == null || only.isBlank()) {
			return all;
		}
		targets.get(only);
		if (!all.contains(only)) {
			throw new DrbatchException(io.drbatch.failure.FailureKind.BAD_ARGUMENT,
					"target '" + only + "' is the primary; replication copies from it to the secondaries"
							+ (all.isEmpty() ? ", and none is configured (drbatch.targets[1] on)" : " " + all));
		}
		return List.of(only);
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		ReplicationLedger ledger = new ReplicationLedger(stepExecution.getJobExecution());
		ledger.reset();
		boolean deep = "full".equals(stepExecution.getJobParameters().getString("verify"));
		List<ObjectStore> secondaries = secondaries(this.targets, stepExecution.getJobParameters().getString("target"))
			.stream()
			.map(this.targets::get)
			.toList();
		ReplicationPlan plan = ReplicationPlan.of(this.targets.primary(), secondaries, deep);
		plan.unreadable().forEach((name, problem) -> {
			ledger.targetFailed(name, problem);
			log.warn("replication: target '{}' cannot be read, skipped in this run: {}", name, problem);
		});
		plan.due().forEach((name, due) -> {
			ledger.put(name, "backups.due", due);
			if (!plan.unreadable().containsKey(name)) {
				log.info("replication: target '{}' lacks {} of the primary's {} backup(s)", name, due, plan.backups());
			}
		});
		this.plans.put(stepExecution.getId(), new ArrayDeque<>(plan.replicas()));
	}

	static String manifestKey(BackupManifest backup) {
		return BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
	}

	@Override
	public Replica read() {
		Deque<Replica> plan = this.plans.get(StepSynchronizationManager.getContext().getStepExecution().getId());
		return plan != null ? plan.poll() : null;
	}

	@Override
	public org.springframework.batch.core.ExitStatus afterStep(StepExecution stepExecution) {
		this.plans.remove(stepExecution.getId());
		return stepExecution.getExitStatus();
	}

}
