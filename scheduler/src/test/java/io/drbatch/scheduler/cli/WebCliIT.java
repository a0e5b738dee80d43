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
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code drbatch web} through the packaged jar, after two dumps, a passing drill, a
 * replication to a second target, a failed run, and on a second source of its own cluster
 * two wal-archive runs around a base backup: the page (verdict, the drill's RTO, the
 * failed execution's relaunch command, security headers), {@code /api/status} equal in
 * shape to {@code drbatch status --json}, {@code /api/history}, {@code /api/trends}, the
 * drill report page; in Debian's chromium, the page loads with no console error and every
 * plot draws its points (a screenshot goes to docs/screenshots/); distinctive secrets in
 * the configuration appear in no response; 50 concurrent requests all answer and list the
 * bucket no more than one reading does; bound to 0.0.0.0 it refuses to start without a
 * password, and with one answers 401 without credentials and 200 with them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_web");

	private static final String BUCKET = TestS3.newBucket("cli-web");

	private static final java.net.URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "cli-web-second");

	private static final TestCluster CLUSTER = TestCluster.create("webcli");

	private static final String PITR_SOURCE = SOURCE + "_pitr";

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

	private Instant replicatedAfter;

	@BeforeAll
	void backUpDrillAndFailOnce(@TempDir Path setup) {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int PRIMARY KEY, note text); "
				+ "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 2000) g");
		CLUSTER.execute("postgres", "CREATE DATABASE " + PITR_SOURCE);
		CLUSTER.execute(PITR_SOURCE, "CREATE TABLE events AS SELECT g FROM generate_series(1, 1000) g");
		CliProcess cli = cli(setup, TestS3.ENDPOINT);
		succeeds(cli, "run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-30");
		succeeds(cli, "run", "daily-dump", "database=" + SOURCE, "backup.date=2026-12-01");
		succeeds(cli, "run", "restore-drill", "database=" + SOURCE, "drill.date=2026-12-01");
		this.replicatedAfter = Instant.now();
		succeeds(cli, "run", "replication");
		succeeds(cli, "run", "wal-archive", "database=" + PITR_SOURCE);
		succeeds(cli, "run", "base-backup", "database=" + PITR_SOURCE, "backup.date=2026-12-01");
		CLUSTER.execute(PITR_SOURCE, "INSERT INTO events SELECT g FROM generate_series(1001, 2000) g");
		succeeds(cli, "run", "wal-archive", "database=" + PITR_SOURCE);
		CliProcess.Result failed = cli(setup, TestS3.ENDPOINT).bucket("no-such-bucket-web")
			.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-12-02");
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
		CLUSTER.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
	}

	private static CliProcess cli(Path workDir, URI endpoint) {
		return new CliProcess(workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_TARGETS_0_ENDPOINT", endpoint.toString())
			.env("DRBATCH_TARGETS_0_SECRET_ACCESS_KEY", S3_SECRET)
			.secondary(1, "second", SECOND_SERVER, SECOND_BUCKET, S3_SECRET)
			.env("DRBATCH_SOURCES_0_PASSWORD", SOURCE_PASSWORD)
			.env("DRBATCH_SOURCES_1_NAME", PITR_SOURCE)
			.env("DRBATCH_SOURCES_1_DATABASE", PITR_SOURCE)
			.env("DRBATCH_SOURCES_1_HOST", CLUSTER.host())
			.env("DRBATCH_SOURCES_1_PORT", String.valueOf(CLUSTER.port()))
			.env("DRBATCH_SOURCES_1_USERNAME", TestPostgres.SCRAM_USER)
			.env("DRBATCH_SOURCES_1_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRBATCH_SOURCES_1_PITR_ENABLED", "true")
			.env("SPRING_DATASOURCE_PASSWORD", REPOSITORY_PASSWORD);
	}

	private static void succeeds(CliProcess cli, String... args) {
		CliProcess.Result result = cli.run(args);
		assertThat(result.exitCode()).as(String.join(" ", args) + ": " + result.stdout() + result.stderr()).isZero();
	}

	@Test
	void thePageAndItsJsonShowTheStateAnswerABurstFromOneReadingAndKeepSecrets() throws Exception {
		CliProcess cli = cli(this.workDir, this.proxy.endpoint());
		CliProcess.Running web = cli.start("--set", "server.port=0", "--set", "drbatch.status.cache-period=5s", "web");
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
			for (String path : List.of("actuator/health", "actuator/prometheus", "api/history?days=1", "api/trends",
					"api/trends?days=7")) {
				bodies.add(get(base.resolve(path), null).body());
			}

			for (String body : bodies) {
				assertThat(body).doesNotContain(S3_SECRET, SOURCE_PASSWORD, REPOSITORY_PASSWORD);
			}

			int listedBefore = listings();
			List<Integer> statuses = burst(base, 50);
			int listedByBurst = listings() - listedBefore;
			// past the cache period, one request reads the stores once
			Thread.sleep(6_000);
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

	/**
	 * The plots. After the setup they show two dumps and a base backup (size and
	 * duration), one drill, the replication runs to the second target (the job repository
	 * is shared with other tests that replicate to a target of that name: one or more),
	 * and the restore point's age around two wal-archive runs (after the first, just
	 * before and after the second, and now).
	 */
	private static final List<String> PLOTS = List.of("plot-backup-size", "plot-backup-duration", "plot-rto",
			"plot-replication", "plot-wal-archive");

	/**
	 * Counts, per plot, the points of its data series and the pixels of its first series'
	 * colour.
	 */
	private static final String COUNT_DRAWN = """
			const out = {};
			for (const id of arguments[0]) {
			  const chart = window.drbatchCharts[id];
			  if (!chart) { out[id] = null; continue; }
			  let points = 0;
			  chart.series.forEach((s, i) => {
			    if (i > 0 && !/target$/.test(s.label)) { points += chart.data[i].filter(v => v != null).length; }
			  });
			  const canvas = document.getElementById(id).querySelector('canvas');
			  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
			  let seriesPixels = 0;
			  for (let j = 0; j < px.length; j += 4) {
			    if (Math.abs(px[j] - 9) < 40 && Math.abs(px[j + 1] - 105) < 40 && Math.abs(px[j + 2] - 218) < 40 && px[j + 3] > 0) {
			      seriesPixels++;
			    }
			  }
			  out[id] = { points: points, seriesPixels: seriesPixels };
			}
			return JSON.stringify(out);""";

	@Test
	void inARealBrowserThePageLoadsCleanlyAndEveryPlotDrawsItsPoints() throws Exception {
		CliProcess.Running web = cli(this.workDir, TestS3.ENDPOINT).start("--set", "server.port=0", "web");
		try (HeadlessBrowser browser = new HeadlessBrowser(1400, 2400)) {
			URI base = URI.create("http://127.0.0.1:" + awaitPort(web) + "/");
			JsonNode status = this.json.readTree(get(base.resolve("api/status"), null).body());
			JsonNode trends = this.json.readTree(get(base.resolve("api/trends"), null).body());
			String rto = io.drbatch.jobs.restore.DrillReport
				.human(database(status).get("lastDrill").get("rtoMillis").asLong());

			browser.driver().get(base.toString());
			Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
			while (!Boolean.TRUE.equals(browser.driver()
				.executeScript("return document.getElementById('plots').dataset.drawn === 'true'"
						+ " || document.querySelector('#plots p.risk') !== null"))) {
				assertThat(Instant.now()).as("the plots drawn within 30 s").isBefore(deadline);
				Thread.sleep(100);
			}
			JsonNode drawn = this.json.readTree((String) browser.driver().executeScript(COUNT_DRAWN, PLOTS));
			String text = browser.driver().findElement(org.openqa.selenium.By.tagName("body")).getText();
			String historyText = browser.driver().findElement(org.openqa.selenium.By.id("history")).getText();
			browser.screenshot(Path.of("..", "docs", "screenshots", "status-page.test.png"));

			assertThat(browser.consoleErrors()).as("console errors").isEmpty();
			assertThat(text).contains(status.get("verdict").asString(), rto);
			assertThat(historyText).contains("FAILED", "drbatch restart " + this.failedExecution);
			assertThat(trends.get("backups")).hasSize(3);
			assertThat(trends.get("drills")).hasSize(1);
			List<JsonNode> ours = new ArrayList<>();
			trends.get("replication").forEach(sample -> {
				if (Instant.parse(sample.get("at").asString()).isAfter(this.replicatedAfter)) {
					ours.add(sample);
				}
			});
			assertThat(ours).singleElement().satisfies(sample -> {
				assertThat(sample.get("target").asString()).isEqualTo("second");
				assertThat(sample.get("status").asString()).isEqualTo("UP-TO-DATE");
				assertThat(sample.get("lagMillis").asLong()).isZero();
			});
			assertThat(trends.get("walArchive")).hasSize(4);
			Map<String, Integer> expected = Map.of("plot-backup-size", 3, "plot-backup-duration", 3, "plot-rto", 1,
					"plot-replication", trends.get("replication").size(), "plot-wal-archive", 4);
			expected.forEach((id, points) -> {
				assertThat(drawn.get(id).isNull()).as(id + " drawn").isFalse();
				assertThat(drawn.get(id).get("points").asInt()).as(id + " points").isEqualTo(points);
				assertThat(drawn.get(id).get("seriesPixels").asInt()).as(id + " series painted").isPositive();
			});
		}
		finally {
			web.process().destroy();
			web.await();
		}
	}

	/**
	 * The Grafana dashboard and the alert rules (k8s-cronjobs/monitoring) ask only for
	 * metrics that drbatch exports, here with a secondary target, a PITR source and a
	 * failed execution configured, so that every gauge is there.
	 */
	@Test
	void theDashboardAndTheAlertRulesAskOnlyForExportedMetrics() throws Exception {
		Path monitoring = Path.of("..", "k8s-cronjobs", "monitoring");
		Pattern metric = Pattern.compile("drbatch_[a-z_]+");
		java.util.Set<String> asked = new java.util.TreeSet<>();
		for (String file : List.of("grafana-dashboard.json", "drbatch-alerts.yaml")) {
			Matcher names = metric.matcher(Files.readString(monitoring.resolve(file)));
			while (names.find()) {
				asked.add(names.group());
			}
		}
		CliProcess.Running web = cli(this.workDir, TestS3.ENDPOINT).start("--set", "server.port=0", "web");
		String scrape;
		try {
			URI base = URI.create("http://127.0.0.1:" + awaitPort(web) + "/");
			scrape = get(base.resolve("actuator/prometheus"), null).body();
		}
		finally {
			web.process().destroy();
			web.await();
		}
		java.util.Set<String> exported = new java.util.TreeSet<>();
		Matcher types = Pattern.compile("(?m)^# TYPE (drbatch_[a-z_]+) ").matcher(scrape);
		while (types.find()) {
			exported.add(types.group(1));
		}

		assertThat(asked).as("metrics the dashboard and the rules ask for").hasSizeGreaterThanOrEqualTo(15);
		assertThat(exported).as("exported by drbatch").containsAll(asked);
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
				URI uri = i % 3 == 0 ? base : base.resolve(i % 3 == 1 ? "api/status" : "api/trends");
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
