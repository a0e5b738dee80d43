package io.drbatch.scheduler.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code drbatch web} through the packaged jar, after a dump, a passing drill and a
 * failed run: the page (verdict, the drill's RTO, the failed execution's relaunch
 * command, security headers), {@code /api/status} equal in shape to
 * {@code drbatch status --json}, {@code /api/history}, the drill report page; distinctive
 * secrets in the configuration appear in no response; 50 concurrent requests all answer
 * and list the bucket no more than one reading does; bound to 0.0.0.0 it refuses to start
 * without a password, and with one answers 401 without credentials and 200 with them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_web");

	private static final String BUCKET = TestS3.newBucket("cli-web");

	private static final String S3_SECRET = "s3-Secret-web-4f9c2d71";

	private static final String SOURCE_PASSWORD = "pg-Secret-web-8e31b0a4";

	private static final String REPOSITORY_PASSWORD = "repo-Secret-web-52c7e9f3";

	private static final String WEB_PASSWORD = "web-Secret-page-90d4a6b1";

	private static final Pattern SERVING = Pattern.compile("serving the status page on http://\\S+:(\\d+)/");

	private final FaultProxy proxy = new FaultProxy(TestS3.ENDPOINT);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@TempDir
	Path workDir;

	private long failedExecution;

	@BeforeAll
	void backUpDrillAndFailOnce(@TempDir Path setup) {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int PRIMARY KEY, note text); "
				+ "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 2000) g");
		CliProcess cli = cli(setup, TestS3.ENDPOINT);
		assertThat(cli.run("run", "daily-dump", "backup.date=2026-12-01").exitCode()).isZero();
		CliProcess.Result drill = cli.run("run", "restore-drill", "drill.date=2026-12-01");
		assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
		CliProcess.Result failed = cli(setup, TestS3.ENDPOINT).bucket("no-such-bucket-web")
			.run("run", "daily-dump", "backup.date=2026-12-02");
		assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(6);
		this.failedExecution = JobRepositoryQueries.executions("daily-dump", SOURCE)
			.entrySet()
			.stream()
			.filter(execution -> execution.getValue().equals("FAILED"))
			.mapToLong(Map.Entry::getKey)
			.max()
			.orElseThrow();
	}

	@AfterAll
	void cleanUp() {
		this.proxy.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private static CliProcess cli(Path workDir, URI endpoint) {
		return new CliProcess(workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_TARGETS_0_ENDPOINT", endpoint.toString())
			.env("DRBATCH_TARGETS_0_SECRET_ACCESS_KEY", S3_SECRET)
			.env("DRBATCH_SOURCES_0_PASSWORD", SOURCE_PASSWORD)
			.env("SPRING_DATASOURCE_PASSWORD", REPOSITORY_PASSWORD);
	}

	@Test
	void thePageAndItsJsonShowTheStateAnswerABurstFromOneReadingAndKeepSecrets() throws Exception {
		CliProcess cli = cli(this.workDir, this.proxy.endpoint());
		CliProcess.Running web = cli.start("--set", "server.port=0", "web");
		try {
			URI base = URI.create("http://127.0.0.1:" + awaitPort(web) + "/");
			List<String> bodies = new ArrayList<>();

			HttpResponse<String> page = get(base, null);
			bodies.add(page.body());
			assertThat(page.statusCode()).isEqualTo(200);
			assertThat(page.headers().firstValue("Content-Security-Policy")).get()
				.asString()
				.contains("default-src 'self'");
			assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
			assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");

			HttpResponse<String> api = get(base.resolve("api/status"), null);
			bodies.add(api.body());
			assertThat(api.statusCode()).isEqualTo(200);
			JsonNode status = this.json.readTree(api.body());
			JsonNode database = database(status);
			JsonNode drill = database.get("lastDrill");
			assertThat(drill.get("result").asString()).isEqualTo("PASSED");
			assertThat(page.body()).contains(status.get("verdict").asString(), SOURCE, "PASSED",
					io.drbatch.jobs.restore.DrillReport.human(drill.get("rtoMillis").asLong()),
					"drbatch restart " + this.failedExecution);

			CliProcess.Result printed = cli.run("status", "--json");
			JsonNode fromCli = this.json.readTree(printed.stdout());
			assertThat(fieldNames(fromCli)).isEqualTo(fieldNames(status));
			assertThat(fieldNames(database(fromCli))).isEqualTo(fieldNames(database));
			assertThat(fromCli.get("verdict")).isEqualTo(status.get("verdict"));
			assertThat(printed.exitCode()).isEqualTo(status.get("verdict").asString().equals("RECOVERABLE") ? 0 : 13);

			HttpResponse<String> history = get(base.resolve("api/history"), null);
			bodies.add(history.body());
			assertThat(history.statusCode()).isEqualTo(200);
			List<JsonNode> failed = new ArrayList<>();
			this.json.readTree(history.body()).forEach(execution -> {
				if (execution.get("executionId").asLong() == this.failedExecution) {
					failed.add(execution);
				}
			});
			assertThat(failed).singleElement().satisfies(execution -> {
				assertThat(execution.get("status").asString()).isEqualTo("FAILED");
				assertThat(execution.get("relaunch").asString()).isEqualTo("drbatch restart " + this.failedExecution);
				assertThat(execution.get("exitDescription").asString()).contains("does not exist");
			});

			HttpResponse<String> report = get(base.resolve("drills/" + SOURCE + "/" + drill.get("reportId").asString()),
					null);
			bodies.add(report.body());
			assertThat(report.statusCode()).isEqualTo(200);
			assertThat(report.body()).contains("PASSED", "public", "orders", "2000");
			assertThat(get(base.resolve("drills/" + SOURCE + "/20000101T000000Z"), null).statusCode()).isEqualTo(404);
			assertThat(get(base.resolve("drills/not_a_source/" + drill.get("reportId").asString()), null).statusCode())
				.isEqualTo(404);
			for (String path : List.of("actuator/health", "actuator/prometheus", "api/history?days=1")) {
				bodies.add(get(base.resolve(path), null).body());
			}

			for (String body : bodies) {
				assertThat(body).doesNotContain(S3_SECRET, SOURCE_PASSWORD, REPOSITORY_PASSWORD);
			}

			int listedBefore = listings();
			List<Integer> statuses = burst(base, 50);
			int listedByBurst = listings() - listedBefore;
			// past the cache period, one request reads the stores once
			Thread.sleep(16_000);
			int beforeOneReading = listings();
			assertThat(get(base, null).statusCode()).isEqualTo(200);
			int listedByOneReading = listings() - beforeOneReading;

			assertThat(statuses).hasSize(50).containsOnly(200);
			assertThat(listedByOneReading).as("a reading lists the bucket").isPositive();
			assertThat(listedByBurst).as("50 concurrent requests list no more than one reading does")
				.isLessThanOrEqualTo(listedByOneReading);
		}
		finally {
			web.process().destroy();
		}
		CliProcess.Result stopped = web.await();
		assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
		assertThat(stopped.stdout() + stopped.stderr()).doesNotContain(S3_SECRET, SOURCE_PASSWORD, REPOSITORY_PASSWORD);
	}

	@Test
	void onAnyOtherAddressThanLoopbackItNeedsALoginAndChecksIt() throws Exception {
		CliProcess.Result refused = cli(this.workDir, TestS3.ENDPOINT).run("--set", "server.address=0.0.0.0", "--set",
				"server.port=0", "web");
		assertThat(refused.exitCode()).as(refused.stdout() + refused.stderr()).isEqualTo(3);
		assertThat(refused.errorLines()).singleElement()
			.asString()
			.contains("server.address is 0.0.0.0", "drbatch.web.password-env");

		CliProcess.Running web = cli(this.workDir, TestS3.ENDPOINT).env("DRBATCH_WEB_PASSWORD_ENV", "PAGE_PASSWORD")
			.env("PAGE_PASSWORD", WEB_PASSWORD)
			.start("--set", "server.address=0.0.0.0", "--set", "server.port=0", "web");
		try {
			URI base = URI.create("http://127.0.0.1:" + awaitPort(web) + "/");
			HttpResponse<String> anonymous = get(base, null);
			HttpResponse<String> wrong = get(base.resolve("api/status"), "drbatch:not-the-password");
			HttpResponse<String> page = get(base, "drbatch:" + WEB_PASSWORD);
			HttpResponse<String> api = get(base.resolve("api/status"), "drbatch:" + WEB_PASSWORD);

			assertThat(anonymous.statusCode()).isEqualTo(401);
			assertThat(anonymous.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Basic");
			assertThat(wrong.statusCode()).isEqualTo(401);
			assertThat(page.statusCode()).isEqualTo(200);
			assertThat(api.statusCode()).isEqualTo(200);
			assertThat(page.body() + api.body()).doesNotContain(WEB_PASSWORD, S3_SECRET);
		}
		finally {
			web.process().destroy();
			web.await();
		}
	}

	private static JsonNode database(JsonNode status) {
		for (JsonNode database : status.get("databases")) {
			if (database.get("database").asString().equals(SOURCE)) {
				return database;
			}
		}
		throw new AssertionError("no " + SOURCE + " in " + status);
	}

	private static List<String> fieldNames(JsonNode node) {
		return new ArrayList<>(node.propertyNames());
	}

	private int listings() {
		return (int) this.proxy.received()
			.stream()
			.filter(request -> request.method().equals("GET") && request.query().contains("list-type"))
			.count();
	}

	private List<Integer> burst(URI base, int requests) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(requests);
		try {
			List<Callable<Integer>> calls = new ArrayList<>();
			for (int i = 0; i < requests; i++) {
				URI uri = i % 2 == 0 ? base : base.resolve("api/status");
				calls.add(() -> get(uri, null).statusCode());
			}
			List<Integer> statuses = new ArrayList<>();
			for (Future<Integer> status : pool.invokeAll(calls)) {
				statuses.add(status.get());
			}
			return statuses;
		}
		finally {
			pool.shutdownNow();
		}
	}

	private HttpResponse<String> get(URI uri, String credentials) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
		if (credentials != null) {
			request.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	private static int awaitPort(CliProcess.Running web) throws Exception {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
		while (true) {
			Matcher matcher = SERVING.matcher(Files.readString(web.stdout()));
			if (matcher.find()) {
				return Integer.parseInt(matcher.group(1));
			}
			assertThat(web.process().isAlive()).as("drbatch web ended: " + Files.readString(web.stderr())).isTrue();
			assertThat(Instant.now()).as("drbatch web serving within 90 s").isBefore(deadline);
			Thread.sleep(200);
		}
	}

}
