package io.drbatch.jobs.pitrrestore;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * The pitr-restore job ({@code drbatch restore DB --to-time T | --to-lsn L | --latest}):
 * plan (the base backup and the WAL the target needs, checked in the bucket before
 * anything is downloaded; the data directory and port checked) -> recover (base backup
 * streamed and verified into the data directory while the WAL is prefetched and verified,
 * PostgreSQL started on it until it promotes at the target, the recovered point reported;
 * the server is left running for the operator). A relaunch plans again and recovers from
 * the start into the directory it made (marked), so a failure mid-way costs time, never a
 * wrong cluster.
 */
@Configuration(proxyBeanMethods = false)
class PitrRestoreJobConfiguration {

	static final String JOB_NAME = JobNames.PITR_RESTORE;

	@Bean
	JobDescriptor pitrRestoreDescriptor(SourceDatabases sources, StoreTargets targets) {
		return new JobDescriptor(JOB_NAME,
				"point-in-time recovery of a source's cluster from its base backups and WAL archive into a local data directory",
				List.of(new JobDescriptor.Parameter("database",
						"configured source with pitr.enabled (default: the first such source)", sources::checkPitrName,
						clock -> sources.firstPitrName()),
						new JobDescriptor.Parameter("recovery.target",
								"latest, lsn:<LSN> or time:<ISO-8601 time> (default: latest)",
								PitrRestoreJobConfiguration::checkTarget, clock -> "latest"),
						new JobDescriptor.Parameter("data.dir", "the data directory to recover into", value -> value,
								clock -> null),
						new JobDescriptor.Parameter("port", "the port the recovered server listens on (127.0.0.1)",
								value -> checkPort(value), clock -> "5433"),
						new JobDescriptor.Parameter("target",
								"storage target to read the backups from (default: the primary)",
								value -> targets.get(value).name(), clock -> null),
						new JobDescriptor.Parameter("force", "true to replace a data directory that is not empty",
								value -> JobDescriptor.bool("force", value), clock -> "false"),
						new JobDescriptor.Parameter("keep.failed",
								"true to leave a failed recovery's directory for forensics",
								value -> JobDescriptor.bool("keep.failed", value), clock -> "false"),
						new JobDescriptor.Parameter("restore.requested",
								"when the recovery was asked for (default: now); makes every request its own job instance",
								value -> JobDescriptor.instant("restore.requested", value).toString(),
								clock -> clock.instant().toString())),
				sources::hasPitr);
	}

	static String checkTarget(String value) {
		try {
			return io.drbatch.recovery.RecoveryTarget
				.format(io.drbatch.recovery.RecoveryTarget.parse(value.startsWith("time:")
						? "time:" + JobDescriptor.instant("recovery.target", value.substring(5)) : value));
		}
		catch (IllegalArgumentException ex) {
			throw new io.drbatch.failure.DrbatchException(io.drbatch.failure.FailureKind.BAD_ARGUMENT,
					"parameter recovery.target=" + ex.getMessage());
		}
	}

	static String checkPort(String value) {
		try {
			int port = Integer.parseInt(value);
			if (port >= 1 && port <= 65535) {
				return String.valueOf(port);
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new io.drbatch.failure.DrbatchException(io.drbatch.failure.FailureKind.BAD_ARGUMENT,
				"parameter port='" + value + "' is not a port (1-65535)");
	}

	@Bean
	Job pitrRestoreJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step plan = new StepBuilder(JOB_NAME + ".plan", jobRepository)
			.tasklet(new PitrPlanTasklet(sources, targets), noTransaction)
			.build();
		Step recover = new StepBuilder(JOB_NAME + ".recover", jobRepository)
			.tasklet(stopSignal.stoppable(new PitrRecoverTasklet(sources, targets, keys, properties.recovery(), clock)),
					noTransaction)
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(plan).next(recover).build();
	}

}
