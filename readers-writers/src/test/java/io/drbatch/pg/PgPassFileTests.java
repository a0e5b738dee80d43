package io.drbatch.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class PgPassFileTests {

	@Test
	void writesAPrivateFileWithEscapedFieldsAndNoPasswordInTheEnvironment() throws IOException {
		PgConnectionSpec spec = new PgConnectionSpec("db", "127.0.0.1", 5432, "app", "backup", "p:a\\ss", null);
		Map<String, String> environment = new HashMap<>(Map.of("PGPASSWORD", "inherited"));
		Path file;
		try (PgPassFile pgPass = PgPassFile.install(spec, environment)) {
			file = Path.of(environment.get("PGPASSFILE"));
			assertThat(environment).doesNotContainKey("PGPASSWORD");
			assertThat(environment.values()).noneMatch(v -> v.contains("p:a"));
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
			assertThat(Files.readString(file)).isEqualTo("127.0.0.1:5432:*:backup:p\\:a\\\\ss\n");
		}
		assertThat(file).doesNotExist();
	}

	@Test
	void noPasswordMeansNoFile() {
		Map<String, String> environment = new HashMap<>();
		assertThat(PgPassFile.install(new PgConnectionSpec("db", "h", 5432, "app", "u", null, null), environment))
			.isNull();
		assertThat(environment).doesNotContainKey("PGPASSFILE");
	}

	@Test
	void pgDumpCommandNeverCarriesThePassword() {
		PgConnectionSpec spec = new PgConnectionSpec("db", "db.internal", 6432, "app", "backup", "s3cr3t-pw", null);
		for (DumpFormat format : DumpFormat.values()) {
			assertThat(format.pgDumpCommand("pg_dump", spec, "00000003-1")).noneMatch(arg -> arg.contains("s3cr3t-pw"))
				.contains("--snapshot=00000003-1", "--no-password", "--dbname=app", "--format=" + format.id());
		}
		assertThat(spec.toString()).doesNotContain("s3cr3t-pw");
	}

	@Test
	void theFilesOfADrbatchThatWasKilledAreDeletedAndThoseOfALiveOneKept(@TempDir Path folder) throws Exception {
		Process dead = new ProcessBuilder("true").start();
		dead.waitFor();
		Path orphan = Files.writeString(folder.resolve("drbatch-" + dead.pid() + "-123.pgpass"), "h:1:*:u:pw\n");
		Path live = Files.writeString(folder.resolve("drbatch-" + ProcessHandle.current().pid() + "-456.pgpass"),
				"x\n");
		Path other = Files.writeString(folder.resolve("someone-else.pgpass"), "x\n");

		assertThat(PgPassFile.deleteStale(folder)).isEqualTo(1);

		assertThat(orphan).doesNotExist();
		assertThat(live).exists();
		assertThat(other).exists();
	}

	@Test
	void theFileIsNamedAfterThisProcess() throws IOException {
		Map<String, String> environment = new HashMap<>();
		try (PgPassFile pgPass = PgPassFile.install(new PgConnectionSpec("db", "h", 5432, "app", "u", "pw", null),
				environment)) {
			assertThat(Path.of(environment.get("PGPASSFILE")).getFileName().toString())
				.startsWith("drbatch-" + ProcessHandle.current().pid() + "-")
				.endsWith(".pgpass");
		}
	}

}
