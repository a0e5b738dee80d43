package io.drbatch.scheduler.cli;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.WebhookReceiver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Metrics and health as Prometheus and Kubernetes see them: a CronJob-mode run pushes its
 * metrics to a Pushgateway when it ends; scheduler mode serves
 * {@code /actuator/prometheus} with the values of the backup just made, the status page
 * and its JSON on the same server, and {@code /actuator/health} turns DOWN (503) once
 * that backup is older than the RPO target while the Kubernetes probes' liveness and
 * readiness groups stay UP.
 */
class MetricsCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_metrics");

	private static final String BUCKET = TestS3.newBucket("cli-metrics");

	private static final Duration RPO = Duration.ofSeconds(15);

	@TempDir
	Path workDir;

	private final HttpClient http = HttpClient.newHttpClient();

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void aRunPushesItsMetricsAndTheSchedulerServesThemAndHealthFollowsTheRpo() throws Exception {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int, note text); "
				+ "INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);

		try (WebhookReceiver pushgateway = new WebhookReceiver()) {
			CliProcess.Result dump = cli.run("--set", "management.prometheus.metrics.export.pushgateway.enabled=true",
					"--set",
					"management.prometheus.metrics.export.pushgateway.address=127.0.0.1:" + pushgateway.url().getPort(),
					"run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-26");
			assertThat(dump.exitCode()).as(dump.stderr()).isZero();
			assertThat(pushgateway.bodies()).as("metrics pushed when the run ended")
				.anyMatch(body -> body
					.contains("drbatch_backup_age_seconds{database=\"" + SOURCE + "\",target=\"primary\"}")
						&& body.contains("spring_batch_"));
		}
		BackupManifest manifest = manifest();

		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		CliProcess.Running scheduler = cli.start("--set", "server.port=" + port, "--set",
				"drbatch.drill.rpo-target=" + RPO.toSeconds() + "s", "--set", "drbatch.schedule.cron.daily-dump=",
				"--set", "drbatch.schedule.cron.restore-drill=", "scheduler");
		try {
			awaitStarted(scheduler);
			String metrics = get(port, "/actuator/prometheus").body();
			assertThat(value(metrics, "drbatch_backup_stored_bytes")).isEqualTo(manifest.totalStoredBytes());
			assertThat(value(metrics, "drbatch_backup_dumped_bytes")).isEqualTo(manifest.dump().uncompressedBytes());
			assertThat(value(metrics, "drbatch_backup_age_seconds")).isBetween(0.0, (double) RPO.toSeconds());
			assertThat(metrics).contains("drbatch_rpo_target_seconds{database=\"" + SOURCE + "\"} 15.0");
			HttpResponse<String> healthy = get(port, "/actuator/health");
			assertThat(healthy.statusCode()).as(healthy.body()).isEqualTo(200);
			HttpResponse<String> page = get(port, "/");
			assertThat(page.statusCode()).isEqualTo(200);
			assertThat(page.body()).contains("id=\"verdict\"", SOURCE, manifest.backupId());
			assertThat(get(port, "/api/trends?days=7").body()).contains("\"executionId\"", SOURCE);

			Duration waitFor = Duration.between(Instant.now(),
					manifest.source().snapshotTime().plus(RPO).plusSeconds(17));
			Thread.sleep(Math.max(0, waitFor.toMillis()));
			HttpResponse<String> stale = get(port, "/actuator/health");
			assertThat(stale.statusCode()).as(stale.body()).isEqualTo(503);
			assertThat(stale.body()).contains("\"backups\"", "\"withinRpo\":false", "DOWN");
			// the probes' groups never look at backup freshness: a stale backup must not
			// restart the pod
			HttpResponse<String> liveness = get(port, "/actuator/health/liveness");
			HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
			assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
			assertThat(liveness.body()).contains("\"scheduler\"", "scheduling").doesNotContain("\"backups\"");
			assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
			assertThat(readiness.body()).contains("\"db\"").doesNotContain("\"backups\"");
		}
		finally {
			scheduler.process().destroy();
		}
		assertThat(scheduler.await().exitCode()).isZero();
	}

	private BackupManifest manifest() {
		String key = TestS3.keys(BUCKET).stream().filter(k -> k.endsWith("/manifest.json")).findFirst().orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			return ManifestJson.read(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asByteArray(),
					BackupManifest.class, key);
		}
	}

	private static double value(String metrics, String name) {
		Matcher matcher = Pattern.compile("(?m)^" + name + "\\{database=\"" + SOURCE + "\",target=\"primary\"} (\\S+)$")
			.matcher(metrics);
		assertThat(matcher.find()).as(name + " in " + metrics).isTrue();
		return Double.parseDouble(matcher.group(1));
	}

	private HttpResponse<String> get(int port, String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static void awaitStarted(CliProcess.Running running) throws Exception {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (!Files.readString(running.stdout()).contains("Scheduler instance")) {
			assertThat(running.process().isAlive()).as("scheduler ended early: " + Files.readString(running.stderr()))
				.isTrue();
			assertThat(Instant.now()).isBefore(deadline);
			Thread.sleep(200);
		}
	}

}
