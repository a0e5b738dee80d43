package io.drbatch.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgClientToolsTests {

	@Test
	void readsTheMajorVersion() {
		assertThat(PgClientTools.majorVersion("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)")).isEqualTo(15);
		assertThat(PgClientTools.majorVersion("pg_dump (PostgreSQL) 17beta1")).isEqualTo(17);
	}

	@Test
	void refusesAPgDumpOlderThanTheServer(@TempDir Path dir) throws IOException {
		Path fake = dir.resolve("pg_dump");
		Files.writeString(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n");
		Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
		PgClientTools tools = new PgClientTools(fake.toString());

		assertThatThrownBy(() -> tools.requireDumpCompatible(150020)).isInstanceOf(DrbatchException.class)
			.hasMessageContaining("version 14 but the server is version 15")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.TOOL_MISMATCH));
		assertThat(tools.requireDumpCompatible(140005)).contains("14.11");
	}

	@Test
	void aMissingToolIsAToolMismatch() {
		assertThatThrownBy(() -> new PgClientTools("/nonexistent/pg_dump").requireDumpCompatible(150000))
			.isInstanceOf(DrbatchException.class)
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.TOOL_MISMATCH));
	}

}
