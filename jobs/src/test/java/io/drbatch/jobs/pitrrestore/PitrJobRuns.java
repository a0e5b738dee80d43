package io.drbatch.jobs.pitrrestore;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;

import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Launches the point-in-time recovery jobs of one test source (each launch its own job
 * instance), and what the PITR job tests check around them: recovered servers' logins,
 * stopping them, the archive in the test bucket. Stateless beyond its jobs.
 */
record PitrJobRuns(JobOperator operator, Job walArchive, Job baseBackup, Job pitrRestore, String database,
		String bucket) {

	JobExecution archive() throws Exception {
		return this.operator.start(this.walArchive,
				new JobParametersBuilder().addString("database", this.database)
					.addString("archive.date", Instant.now() + "-" + System.nanoTime())
					.toJobParameters());
	}

	JobExecution baseBackup(String date) throws Exception {
		return this.operator.start(this.baseBackup,
				new JobParametersBuilder().addString("database", this.database)
					.addString("backup.date", date)
					.toJobParameters());
	}

	JobExecution restore(String target, Path data, int port) throws Exception {
		return this.operator.start(this.pitrRestore,
				new JobParametersBuilder().addString("database", this.database)
					.addString("recovery.target", target)
					.addString("data.dir", data.toString())
					.addString("port", String.valueOf(port))
					.addString("force", "false")
					.addString("keep.failed", "false")
					.addString("restore.requested", Instant.now() + "-" + System.nanoTime())
					.toJobParameters());
	}

	/** The source database on a recovered server, with the test's scram login. */
	PgConnectionSpec login(int port) {
		return new PgConnectionSpec("recovered", "127.0.0.1", port, this.database, TestPostgres.SCRAM_USER,
				TestPostgres.SCRAM_PASSWORD, "disable");
	}

	WalArchive walArchiveOfBucket() {
		BaseBackupManifest base = new BaseBackupCatalog(TestS3.store(this.bucket, "it")).list(this.database).get(0);
		return new WalArchive(TestS3.store(this.bucket, "it"), this.database, base.systemIdentifier(),
				base.segmentSize(), 1, null);
	}

	static void assertCompleted(JobExecution execution) {
		assertThat(execution.getStatus()).as(String.valueOf(execution.getAllFailureExceptions()))
			.isEqualTo(BatchStatus.COMPLETED);
	}

	static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/** Stops a server pitr-restore left running. */
	static void stop(Path data) {
		TestCluster.stopServerOf(data);
	}

}
