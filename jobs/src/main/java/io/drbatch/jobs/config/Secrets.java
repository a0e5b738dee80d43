package io.drbatch.jobs.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.store.S3TargetConfig;

/**
 * Where every secret drbatch uses comes from: the one place that decides the precedence
 * between the ways a secret can be given. Secrets are read at the moment they are needed
 * (so a rotated Kubernetes Secret is picked up by the next run) and never logged; errors
 * name the configuration key, never the value. Stateless.
 *
 * <p>
 * Database passwords, first given wins: {@code password-env}, {@code password-file},
 * {@code password} ({@link #password}).
 *
 * <p>
 * Storage-target credentials, first given wins: the environment variables named by
 * {@code access-key-id-env} and {@code secret-access-key-env}; the pair
 * {@code access-key-id}/{@code secret-access-key}; the profile of
 * {@code credentials-file}; else the AWS SDK's default chain (environment, profile,
 * container and instance roles).
 */
public final class Secrets {

	private Secrets() {
	}

	/**
	 * A database password, read at this moment, first given wins: the environment
	 * variable named by {@code passwordEnv}, the file {@code passwordFile}, then
	 * {@code password} itself; {@code null} when none is set (the login then needs no
	 * password: trust, peer, or the user's own pgpass).
	 * @param key the configuration key of the login, for messages, e.g.
	 * {@code drbatch.sources[0]}
	 */
	public static String password(String passwordEnv, Path passwordFile, String password, String key) {
		if (passwordEnv != null && !passwordEnv.isBlank()) {
			String value = System.getenv(passwordEnv);
			if (value == null || value.isEmpty()) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
						"environment variable " + passwordEnv + " (" + key + ".password-env) is not set");
			}
			return value;
		}
		if (passwordFile != null) {
			try {
				return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
			}
			catch (IOException ex) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
						"cannot read " + key + ".password-file " + passwordFile + ": " + ex.getMessage(), ex);
			}
		}
		return password != null && !password.isEmpty() ? password : null;
	}

	/**
	 * The credentials of {@code target}, by the precedence in this class's description.
	 */
	public static S3TargetConfig.Credentials storeCredentials(DrbatchProperties.Target target) {
		if (target.accessKeyIdEnv() != null) {
			return new S3TargetConfig.Credentials.FromEnvironment(target.accessKeyIdEnv(), target.secretAccessKeyEnv());
		}
		if (target.accessKeyId() != null) {
			return new S3TargetConfig.Credentials.Literal(target.accessKeyId(), target.secretAccessKey());
		}
		if (target.credentialsFile() != null) {
			return new S3TargetConfig.Credentials.ProfileFile(target.credentialsFile(), target.profile());
		}
		return new S3TargetConfig.Credentials.DefaultChain();
	}

	/**
	 * Reads one client-side encryption key, from the environment variable or the file
	 * {@code encryption} names; errors name {@code key} (the configuration key) and never
	 * the key's value.
	 */
	public static StreamEncryption encryptionKey(DrbatchProperties.Encryption encryption, String key) {
		if (encryption.keyEnv() != null && !encryption.keyEnv().isBlank()) {
			String value = System.getenv(encryption.keyEnv());
			if (value == null || value.isBlank()) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
						"environment variable " + encryption.keyEnv() + " (" + key + ".key-env) is not set");
			}
			return StreamEncryption.ofBase64(value, "the key in " + encryption.keyEnv());
		}
		if (encryption.keyFile() == null) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, key + ": give key-env or key-file");
		}
		try {
			return StreamEncryption.ofBase64(Files.readString(encryption.keyFile()),
					"the key in " + encryption.keyFile());
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"cannot read the key file " + encryption.keyFile() + " (" + key + ".key-file): " + ex.getMessage());
		}
	}

}
