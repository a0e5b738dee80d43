package io.drbatch.jobs.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

import io.drbatch.codec.Compression;
import io.drbatch.jobs.wiring.DrbatchJobsConfiguration;
import io.drbatch.manifest.Tier;
import io.drbatch.store.LockMode;
import io.drbatch.store.ServerSideEncryption;
import io.drbatch.store.StorageClass;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Binding and validation of {@code drbatch.*} in milliseconds, with Spring Boot's own
 * binder and validators but no job repository, database or store: every default, and one
 * bad value per rule with the one line an operator gets for it (the end-to-end exit code
 * 3 of such a line is proven through the CLI by {@code BadInputCliIT}).
 */
class ConfigurationValidationTests {

	private static final String[] MINIMAL = { "drbatch.sources[0].name=shop", "drbatch.targets[0].name=primary",
			"drbatch.targets[0].bucket=backups" };

	@TempDir
	static Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(DrbatchJobsConfiguration.class)
		.withPropertyValues(MINIMAL);

	@Test
	void everyDefaultComesFromThePropertiesRecords() {
		this.runner.run(context -> {
			assertThat(context).hasNotFailed();
			DrbatchProperties properties = context.getBean(DrbatchProperties.class);
			DrbatchProperties.Source source = properties.sources().get(0);
			assertThat(source.database()).as("database defaults to the name").isEqualTo("shop");
			assertThat(source.host()).isEqualTo("127.0.0.1");
			assertThat(source.port()).isEqualTo(5432);
			assertThat(source.username()).isEqualTo("postgres");
			DrbatchProperties.Target target = properties.targets().get(0);
			assertThat(target.region()).isEqualTo("us-east-1");
			assertThat(target.prefix()).isEmpty();
			assertThat(target.lock().mode()).isEqualTo(LockMode.COMPLIANCE);
			assertThat(target.lock().days()).isEqualTo(30);
			assertThat(target.lock().abortIncompleteUploadsDays()).isEqualTo(7);
			DrbatchProperties.Dump dump = properties.dump();
			assertThat(dump.compression()).isEqualTo(Compression.ZSTD);
			assertThat(dump.level()).as("zstd's default level").isEqualTo(1);
			assertThat(dump.partSize()).isEqualTo(DataSize.ofMegabytes(16));
			assertThat(dump.partsInFlight()).isEqualTo(4);
			assertThat(properties.drill().spoolDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
			assertThat(properties.drill().rtoTarget()).hasHours(1);
			assertThat(properties.drill().rpoTarget()).hasHours(24);
			assertThat(properties.retention().of(Tier.DAILY)).isEqualTo(new DrbatchProperties.Keep(30, 7));
			assertThat(properties.retention().of(Tier.WEEKLY)).isEqualTo(new DrbatchProperties.Keep(90, 4));
			assertThat(properties.retention().of(Tier.MONTHLY)).isEqualTo(new DrbatchProperties.Keep(2555, 12));
			assertThat(properties.tiering().monthlyStorageClass()).isEqualTo(StorageClass.GLACIER);
		});
	}

	@Test
	void aDefaultFollowsTheKeyItDependsOn() {
		this.runner
			.withPropertyValues("drbatch.dump.compression=gzip", "drbatch.retention.weekly.days=120",
					"drbatch.targets[0].server-side-encryption=aws:kms", "drbatch.targets[0].storage-class=standard_ia")
			.run(context -> {
				DrbatchProperties properties = context.getBean(DrbatchProperties.class);
				assertThat(properties.dump().level()).as("gzip's default level").isEqualTo(6);
				assertThat(properties.retention().of(Tier.WEEKLY)).as("min-count keeps its default")
					.isEqualTo(new DrbatchProperties.Keep(120, 4));
				assertThat(properties.targets().get(0).serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
				assertThat(properties.targets().get(0).storageClass()).isEqualTo(StorageClass.STANDARD_IA);
			});
	}

	/** One bad configuration and a fragment of the line it must produce. */
	record Bad(String what, List<String> properties, String line) {

		@Override
		public String toString() {
			return this.what;
		}

	}

	static List<Bad> badConfigurations() throws IOException {
		Path file = Files.createTempFile("drbatch-config", ".txt");
		file.toFile().deleteOnExit();
		Files.writeString(file, java.util.Base64.getEncoder().encodeToString(new byte[32]));
		List<Bad> cases = new ArrayList<>();
		cases.add(bad("zero retention days", "drbatch.retention.daily.days=0",
				"drbatch.retention.daily.days: must be at least 1"));
		cases.add(bad("negative retention min-count", "drbatch.retention.weekly.min-count=-1",
				"drbatch.retention.weekly.min-count: must be at least 1: the newest backup is never deleted"));
		cases.add(bad("part size below S3's 5 MiB minimum", "drbatch.dump.part-size=1MB",
				"drbatch.dump.part-size: must be between 5MB and 512MB, was 1048576B"));
		cases.add(bad("part size above 512 MiB", "drbatch.dump.part-size=1GB",
				"drbatch.dump.part-size: must be between 5MB and 512MB"));
		cases.add(bad("zero parts in flight", "drbatch.dump.parts-in-flight=0",
				"drbatch.dump.parts-in-flight: must be between 1 and 64"));
		cases.add(bad("negative compression workers", "drbatch.dump.compression-workers=-1",
				"drbatch.dump.compression-workers: must be between 0 and 64"));
		cases.add(bad("unknown compression", "drbatch.dump.compression=lz4",
				"drbatch.dump.compression: 'lz4' is not one of zstd, gzip, none"));
		cases.add(bad("compression level out of range", "drbatch.dump.level=99",
				"drbatch.dump.level: must be in 1..19 for zstd, was 99"));
		cases.add(bad("gzip level out of range", List.of("drbatch.dump.compression=gzip", "drbatch.dump.level=12"),
				"drbatch.dump.level: must be in 1..9 for gzip, was 12"));
		cases.add(bad("source port out of range", "drbatch.sources[0].port=70000",
				"drbatch.sources[0].port: must be between 1 and 65535"));
		cases.add(bad("source without a name", "drbatch.sources[0].name=",
				"drbatch.sources[0].name: must be 1-63 letters"));
		cases.add(bad("source name with a slash", "drbatch.sources[0].name=a/b",
				"drbatch.sources[0].name: must be 1-63 letters, digits, '_', '-' or '.', was 'a/b'"));
		cases.add(bad("two sources with one name", List.of("drbatch.sources[1].name=shop"),
				"drbatch.sources[1].name: 'shop' is used twice"));
		cases.add(bad("unreadable source password file", "drbatch.sources[0].password-file=" + dir.resolve("none"),
				"drbatch.sources[0].password-file: file is missing or not readable"));
		cases.add(bad("target without a bucket", "drbatch.targets[0].bucket=",
				"drbatch.targets[0].bucket: must not be empty"));
		cases.add(bad("prefix with a trailing slash", "drbatch.targets[0].prefix=backups/",
				"drbatch.targets[0].prefix: must not start or end with '/'"));
		cases.add(bad("endpoint that is not http(s)", "drbatch.targets[0].endpoint=ftp://store",
				"drbatch.targets[0].endpoint: must be an http:// or https:// URL"));
		cases.add(bad("half an access key pair", "drbatch.targets[0].access-key-id=AKIA",
				"drbatch.targets[0].secret-access-key: access-key-id and secret-access-key go together"));
		cases.add(bad("unknown storage class", "drbatch.targets[0].storage-class=FROZEN",
				"drbatch.targets[0].storage-class: 'FROZEN' is not one of standard, standard_ia"));
		cases.add(bad("unknown lock mode", "drbatch.targets[0].lock.mode=STRICT",
				"drbatch.targets[0].lock.mode: 'STRICT' is not one of compliance, governance"));
		cases.add(bad("zero lock days", "drbatch.targets[0].lock.days=0",
				"drbatch.targets[0].lock.days: must be at least 1"));
		cases.add(bad("encryption on a secondary only",
				List.of("drbatch.targets[1].name=second", "drbatch.targets[1].bucket=b",
						"drbatch.targets[1].encryption.enabled=true", "drbatch.targets[1].encryption.key-file=" + file),
				"drbatch.targets[1].encryption.enabled: backups are encrypted when written, on the primary"));
		cases.add(bad("zero RTO target", "drbatch.drill.rto-target=0s", "drbatch.drill.rto-target: must be positive"));
		cases.add(bad("spool folder that is a file", "drbatch.drill.spool-dir=" + file,
				"drbatch.drill.spool-dir: must be an existing, writable folder"));
		cases.add(bad("missing spool folder", "drbatch.drill.spool-dir=" + dir.resolve("no-such-folder"),
				"drbatch.drill.spool-dir: must be an existing, writable folder"));
		cases.add(bad("too many restore jobs", "drbatch.drill.restore-jobs=65",
				"drbatch.drill.restore-jobs: must be between 1 and 64"));
		cases.add(bad("drill target that is not a target", "drbatch.drill.target=elsewhere",
				"drbatch.drill.target: 'elsewhere' is not a configured target name nor 'rotate'"));
		cases.add(bad("webhook URL that is not http(s)", "drbatch.drill.webhook.url=ftp://example.com/hook",
				"drbatch.drill.webhook.url: must be an http:// or https:// URL"));
		cases.add(bad("check without SQL", List.of("drbatch.drill.checks[0].name=c", "drbatch.drill.checks[0].sql= "),
				"drbatch.drill.checks[0].sql: must not be empty"));
		cases.add(bad("no sources at a time", "drbatch.fleet.parallelism=0",
				"drbatch.fleet.parallelism: must be between 1 and 32"));
		return cases;
	}

	private static Bad bad(String what, String property, String line) {
		return new Bad(what, List.of(property), line);
	}

	private static Bad bad(String what, List<String> properties, String line) {
		return new Bad(what, properties, line);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badConfigurations")
	void eachBadValueStopsStartUpWithOneLineNamingItsKey(Bad bad) {
		this.runner.withPropertyValues(bad.properties().toArray(String[]::new)).run(context -> {
			assertThat(context).hasFailed();
			String line = ConfigurationErrors.describe(context.getStartupFailure()).orElseThrow();
			assertThat(line).startsWith("invalid configuration: ").contains(bad.line()).doesNotContain("\n");
			// what each value got, for the table in docs/RELIABILITY.md
			Files.writeString(Path.of("target", "bad-configurations.tsv"), bad.what() + "\t" + line + "\n",
					StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		});
	}

	@Test
	void theReliabilityDocsListEveryBadConfiguration() throws IOException {
		String docs = Files.readString(Path.of("..", "docs", "RELIABILITY.md"));
		for (Bad bad : badConfigurations()) {
			assertThat(docs).as("docs/RELIABILITY.md lists '" + bad.what() + "'")
				.containsPattern("\\| " + java.util.regex.Pattern.quote(bad.what()) + " \\| .*"
						+ java.util.regex.Pattern.quote(bad.line().replace("|", "\\|")));
		}
	}

	@Test
	void severalProblemsAreReportedTogether() {
		this.runner.withPropertyValues("drbatch.sources[0].port=0", "drbatch.dump.parts-in-flight=0").run(context -> {
			assertThat(ConfigurationErrors.describe(context.getStartupFailure()))
				.get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
				.contains("drbatch.sources[0].port: must be between 1 and 65535")
				.contains("drbatch.dump.parts-in-flight: must be between 1 and 64");
		});
	}

	@Test
	void noSourceOrTargetIsAConfigurationError() {
		new ApplicationContextRunner().withUserConfiguration(DrbatchJobsConfiguration.class).run(context -> {
			assertThat(ConfigurationErrors.describe(context.getStartupFailure()))
				.get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
				.contains("drbatch.sources: at least one source database must be configured")
				.contains("drbatch.targets: at least one storage target must be configured");
		});
	}

}
