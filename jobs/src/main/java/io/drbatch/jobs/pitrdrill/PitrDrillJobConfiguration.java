package io.drbatch.jobs.pitrdrill;

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

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.DrillNotifier;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.recovery.RecoveryServer;
import io.drbatch.recovery.RecoveryTarget;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * The pitr-drill job (weekly): plan (the storage target, the recovery target: by default
 * the snapshot of the newest daily dump inside the recoverable window; the WAL chain
 * checked before anything is downloaded) -> recover (base backup and WAL into a scratch
 * data directory, PostgreSQL started on a free loopback port until it promotes) -> verify
 * (row counts against the dump's manifest, exact when the dump recorded a logical slot's
 * consistent point; custom checks; pg_amcheck) -> report (verdict, RTO and RPO against
 * their targets, report.json/report.md under {@code drills/}, the server stopped and the
 * scratch directories removed). Every step is safe to relaunch: the recover step starts
 * over on what an interrupted attempt left, and drills killed and never relaunched are
 * cleaned up by the next drill of the same database.
 */
@Configuration(proxyBeanMethods = false)
class PitrDrillJobConfiguration {

	static final String JOB_NAME = JobNames.PITR_DRILL;

	static RecoveryServer.Settings server(DrbatchProperties.Recovery recovery) {
		return new RecoveryServer.Settings(recovery.binDir(), recovery.osUser());
	}

	@Bean
	JobDescriptor pitrDrillDescriptor(SourceDatabases sources, StoreTargets targets) {
		return new JobDescriptor(JOB_NAME,
				"recover a source's cluster to a point in time into a scratch directory, compare it with a dump and"
						+ " check it, then remove it",
				List.of(sources.pitrDatabaseParameter(),
						JobDescriptor.runDate("drill.date", "the day of this drill (default: today, UTC)"),
						new JobDescriptor.Parameter("recovery.target",
								"dump (the newest daily dump's snapshot, compared row by row) or time:<ISO-8601 time>"
										+ " (default: dump)",
								PitrDrillJobConfiguration::checkTarget, clock -> "dump"),
						new JobDescriptor.Parameter("target",
								"storage target to recover from, or 'rotate' (default: drbatch.drill.target, else the primary)",
								value -> value.equals("rotate") ? value : targets.get(value).name(), clock -> null)),
				sources::hasPitr)
			.forEverySource();
	}

	static String checkTarget(String value) {
		if (value.equals("dump")) {
			return value;
		}
		if (value.startsWith("time:")) {
			return RecoveryTarget
				.format(new RecoveryTarget.AtTime(JobDescriptor.instant("recovery.target", value.substring(5))));
		}
		throw new DrbatchException(FailureKind.BAD_ARGUMENT,
				"parameter recovery.target='" + value + "' is not 'dump' or time:<ISO-8601 time>");
	}

	@Bean
	Job pitrDrillJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step plan = new StepBuilder(JOB_NAME + ".plan", jobRepository)
			.tasklet(new PitrDrillPlanTasklet(sources, targets, properties.drill(), server(properties.recovery()),
					jobRepository, heartbeat, clock), noTransaction)
			.build();
		Step recover = new StepBuilder(JOB_NAME + ".recover", jobRepository)
			.tasklet(stopSignal.stoppable(new PitrDrillRecoverTasklet(sources, targets, keys, properties.recovery())),
					noTransaction)
			.build();
		Step verify = new StepBuilder(JOB_NAME + ".verify", jobRepository)
			.tasklet(stopSignal.stoppable(new PitrDrillVerifyTasklet(sources, targets, properties, clock)),
					noTransaction)
			.build();
		Step report = new StepBuilder(JOB_NAME + ".report", jobRepository)
			.tasklet(new PitrDrillReportTasklet(sources, targets, properties, clock, jobRepository), noTransaction)
			.build();
		// after-job listeners run in reverse order: the failure report is written before
		// the notification
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat)
			.listener(new DrillNotifier(properties.drill().webhook(), "PITR drill"))
			.listener(new PitrDrillReports(sources, targets, properties, clock))
			.start(plan)
			.next(recover)
			.next(verify)
			.next(report)
			.build();
	}

}
