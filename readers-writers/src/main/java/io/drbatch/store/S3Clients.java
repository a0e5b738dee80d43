package io.drbatch.store;

import java.time.Duration;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Builds the AWS SDK's synchronous S3 client for one target: region, credentials,
 * path-style addressing, Apache HTTP with bounded connections, SigV4 without payload
 * signing, and a retry strategy that also retries a response whose body broke off.
 * Stateless.
 */
final class S3Clients {

	private S3Clients() {
	}

	static S3Client build(S3TargetConfig config) {
		var builder = S3Client.builder()
			.region(Region.of(config.region()))
			.credentialsProvider(credentialsProvider(config.credentials()))
			.forcePathStyle(config.pathStyle())
			.authSchemeProvider(withoutPayloadSigning(S3AuthSchemeProvider.defaultProvider()))
			.httpClientBuilder(ApacheHttpClient.builder()
				.maxConnections(Math.max(4, config.maxConnections()))
				.connectionTimeout(Duration.ofSeconds(10))
				.socketTimeout(Duration.ofSeconds(120)))
			.overrideConfiguration(
					o -> o.retryStrategy(retry -> retry.retryOnException(S3Clients::isBrokenResponseBody)));
		if (config.endpoint() != null) {
			builder.endpointOverride(config.endpoint());
		}
		return builder.build();
	}

	/**
	 * Whether a call failed because the response's body broke off: the SDK retries a
	 * connection that breaks, but not a listing whose XML ends early, which it reports as
	 * a parse error (seen behind a faulty proxy).
	 */
	static boolean isBrokenResponseBody(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof javax.xml.stream.XMLStreamException || (cause.getMessage() != null
					&& cause.getMessage().contains("Premature end of Content-Length delimited message body"))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * SigV4 without hashing the payload into the signature ({@code UNSIGNED-PAYLOAD}),
	 * also over plain HTTP. Every body drbatch sends carries its own SHA-256 checksum
	 * header, which the store verifies; hashing the payload a second time for the
	 * signature only costs CPU (over HTTP the SDK would otherwise sign every 64 KiB chunk
	 * of every part).
	 */
	private static S3AuthSchemeProvider withoutPayloadSigning(S3AuthSchemeProvider provider) {
		return parameters -> provider.resolveAuthScheme(parameters)
			.stream()
			.map(option -> option.toBuilder()
				.putSignerProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
				.putSignerProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)
				.build())
			.toList();
	}

	static AwsCredentialsProvider credentialsProvider(S3TargetConfig.Credentials credentials) {
		if (credentials instanceof S3TargetConfig.Credentials.FromEnvironment env) {
			String id = System.getenv(env.accessKeyIdVariable());
			String secret = System.getenv(env.secretAccessKeyVariable());
			if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "credentials environment variables "
						+ env.accessKeyIdVariable() + " and " + env.secretAccessKeyVariable() + " must both be set");
			}
			return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
		}
		if (credentials instanceof S3TargetConfig.Credentials.ProfileFile file) {
			return ProfileCredentialsProvider.builder()
				.profileFile(ProfileFile.builder().content(file.file()).type(ProfileFile.Type.CREDENTIALS).build())
				.profileName(file.profile() != null ? file.profile() : "default")
				.build();
		}
		if (credentials instanceof S3TargetConfig.Credentials.Literal literal) {
			return StaticCredentialsProvider
				.create(AwsBasicCredentials.create(literal.accessKeyId(), literal.secretAccessKey()));
		}
		return DefaultCredentialsProvider.builder().build();
	}

}
