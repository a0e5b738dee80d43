package io.drbatch.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3CredentialsTests {

	@Test
	void credentialsComeFromTheNamedProfileOfACredentialsFile(@TempDir Path dir) throws IOException {
		Path file = dir.resolve("credentials");
		Files.writeString(file, """
				[default]
				aws_access_key_id = AKIADEFAULT
				aws_secret_access_key = default-secret
				[backup]
				aws_access_key_id = AKIABACKUP
				aws_secret_access_key = backup-secret
				""");
		AwsCredentials credentials = S3Clients
			.credentialsProvider(new S3TargetConfig.Credentials.ProfileFile(file, "backup"))
			.resolveCredentials();
		assertThat(credentials.accessKeyId()).isEqualTo("AKIABACKUP");
		assertThat(credentials.secretAccessKey()).isEqualTo("backup-secret");
	}

	@Test
	void missingEnvironmentVariablesAreAConfigurationErrorNamingThem() {
		assertThatThrownBy(() -> S3Clients.credentialsProvider(new S3TargetConfig.Credentials.FromEnvironment(
				"DRBATCH_TEST_NO_SUCH_KEY_ID", "DRBATCH_TEST_NO_SUCH_SECRET")))
			.isInstanceOf(DrbatchException.class)
			.hasMessageContaining("DRBATCH_TEST_NO_SUCH_KEY_ID")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.BAD_CONFIGURATION));
	}

	@Test
	void describingCredentialsNeverShowsTheSecret() {
		S3TargetConfig.Credentials literal = new S3TargetConfig.Credentials.Literal("AKIALITERAL", "literal-secret");
		assertThat(literal.toString()).doesNotContain("literal-secret").doesNotContain("AKIALITERAL");
		assertThat(literal.describe()).isEqualTo("configured key pair");
	}

}
