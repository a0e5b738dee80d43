package io.drbatch.jobs.dailydump;

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

import io.drbatch.transfer.DumpStreamer;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * daily-dump: preflight (database, pg_dump, bucket; re-run on every attempt) -> dump
 * (snapshot, row counts, pg_dump, compression, multipart upload) -> publish (verify the
 * stored objects, write the manifest last). A relaunch skips completed steps; an
 * interrupted dump starts over from a fresh snapshot after removing what the interrupted
 * attempt left in the backup's folder.
 */
@Configuration(proxyBeanMethods = false)
class DailyDumpJobConfiguration {

	static final String JOB_NAME = JobNames.DAILY_DUMP;

	@Bean
	JobDescriptor dailyDumpDescriptor(SourceDatabases sources) {
		return new JobDescriptor(JOB_NAME, "dump a database to the primary target with a manifest",
				List.of(new JobDescriptor.Parameter("database",
						"configured source name (default: every source, each its own job instance)", sources::checkName,
						clock -> sources.defaultName()),
						JobDescriptor.runDate("backup.date", "the day this backup stands for (default: today, UTC)")))
			.forEverySource();
	}

	@Bean
	Job dailyDumpJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		DrbatchProperties.Dump dump = properties.dump();
		DumpStreamer streamer = new DumpStreamer(new DumpStreamer.Settings(dump.pgDumpPath(), dump.format(),
				dump.compression(), dump.level(), dump.compressionWorkers(), (int) dump.partSize().toBytes(),
				dump.partsInFlight(), keys.forWriting().orElse(null)));
		// The tasklets write no transactional state of their own; the step's bookkeeping
		// is the job repository's.
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step preflight = new StepBuilder(JOB_NAME + ".preflight", jobRepository)
			.tasklet(new PreflightTasklet(sources, targets, dump.pgDumpPath(), clock), noTransaction)
			.allowStartIfComplete(true)
			.build();
		Step dumpStep = new StepBuilder(JOB_NAME + ".dump", jobRepository)
			.tasklet(stopSignal.stoppable(new DumpTasklet(sources, targets, streamer, dump, keys)), noTransaction)
			.build();
		Step publish = new StepBuilder(JOB_NAME + ".publish", jobRepository)
			.tasklet(new PublishTasklet(targets, properties.targets().get(0).lock(), clock), noTransaction)
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat)
			.start(preflight)
			.next(dumpStep)
			.next(publish)
			.build();
	}

}
