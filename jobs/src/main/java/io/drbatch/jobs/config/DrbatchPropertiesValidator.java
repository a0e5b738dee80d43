package io.drbatch.jobs.config;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

import io.drbatch.codec.Compression;
import io.drbatch.manifest.Tier;

/**
 * Startup checks of {@link DrbatchProperties}. Registered as Spring Boot's {@code configurationPropertiesValidator},
 * so a violation stops the application before any job runs, with an error that names the key
 * (e.g. {@code drbatch.dump.part-size}). Stateless and thread-safe.
 */
public class DrbatchPropertiesValidator implements Validator {

	/** S3 rejects parts smaller than this, except the last. */
	public static final DataSize MIN_PART_SIZE = DataSize.ofMegabytes(5);

	/** S3 accepts parts up to 5 GiB; drbatch holds parts in memory, so it caps them far lower. */
	public static final DataSize MAX_PART_SIZE = DataSize.ofMegabytes(512);

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

	@Override
	public boolean supports(Class<?> type) {
		return DrbatchProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		DrbatchProperties properties = (DrbatchProperties) target;
		validateSources(properties.sources(), errors);
		validateTargets(properties.targets(), errors);
		for (Tier tier : Tier.values()) {
			DrbatchProperties.Keep settings = properties.retention().of(tier);
			if (settings.days() < 1) {
				reject(errors, "retention." + tier + ".days", "must be at least 1");
			}
			if (settings.minCount() < 1) {
				reject(errors, "retention." + tier + ".min-count", "must be at least 1: the newest backup is never deleted");
			}
		}
		validateDump(properties.dump(), errors);
		validateEncryption(properties.targets(), errors);
		validateDrill(properties.drill(), errors);
		String drillTarget = properties.drill().target();
		if (!drillTarget.isBlank() && !drillTarget.equals("rotate")
				&& properties.targets().stream().noneMatch(t -> drillTarget.equals(t.name()))) {
			reject(errors, "drill.target", "'" + drillTarget + "' is not a configured target name nor 'rotate'");
		}
	}

	private static void validateEncryption(List<DrbatchProperties.Target> targets, Errors errors) {
		for (int i = 0; i < targets.size(); i++) {
			DrbatchProperties.Encryption encryption = targets.get(i).encryption();
			String key = "targets[" + i + "].encryption";
			if (!encryption.enabled()) {
				continue;
			}
			if (i > 0 && !targets.get(0).encryption().enabled()) {
				reject(errors, key + ".enabled", "backups are encrypted when written, on the primary: enable "
						+ "drbatch.targets[0].encryption too (secondaries receive the primary's encrypted bytes)");
			}
			boolean fromEnv = encryption.keyEnv() != null && !encryption.keyEnv().isBlank();
			if (fromEnv == (encryption.keyFile() != null)) {
				reject(errors, key + ".key-env", "give exactly one of key-env and key-file");
				continue;
			}
			try {
				Secrets.encryptionKey(encryption, "drbatch." + key);
			}
			catch (io.drbatch.failure.DrbatchException ex) {
				reject(errors, key + (fromEnv ? ".key-env" : ".key-file"), ex.getMessage());
			}
		}
	}

	private static void validateDrill(DrbatchProperties.Drill drill, Errors errors) {
		if (drill.port() < 1 || drill.port() > 65535) {
			reject(errors, "drill.port", "must be between 1 and 65535");
		}
		if (drill.rtoTarget().isNegative() || drill.rtoTarget().isZero()) {
			reject(errors, "drill.rto-target", "must be positive");
		}
		if (drill.rpoTarget().isNegative() || drill.rpoTarget().isZero()) {
			reject(errors, "drill.rpo-target", "must be positive");
		}
		if (drill.restoreJobs() < 1 || drill.restoreJobs() > 64) {
			reject(errors, "drill.restore-jobs", "must be between 1 and 64");
		}
		if (drill.spoolDir() != null && !(Files.isDirectory(drill.spoolDir()) && Files.isWritable(drill.spoolDir()))) {
			reject(errors, "drill.spool-dir", "must be an existing, writable folder");
		}
		if (drill.passwordFile() != null && !Files.isReadable(drill.passwordFile())) {
			reject(errors, "drill.password-file", "file is missing or not readable");
		}
		Set<String> checkNames = new HashSet<>();
		for (int i = 0; i < drill.checks().size(); i++) {
			DrbatchProperties.Check check = drill.checks().get(i);
			checkName(check.name(), "drill.checks[" + i + "].name", checkNames, errors);
			if (check.sql() == null || check.sql().isBlank()) {
				reject(errors, "drill.checks[" + i + "].sql", "must not be empty");
			}
		}
		DrbatchProperties.Webhook webhook = drill.webhook();
		if (webhook.url() != null && !List.of("http", "https").contains(webhook.url().getScheme())) {
			reject(errors, "drill.webhook.url", "must be an http:// or https:// URL");
		}
		if (webhook.attempts() < 1 || webhook.attempts() > 10) {
			reject(errors, "drill.webhook.attempts", "must be between 1 and 10");
		}
		if (drill.database() != null && !drill.database().isBlank() && !NAME.matcher(drill.database()).matches()) {
			reject(errors, "drill.database", "must be 1-63 letters, digits, '_', '-' or '.'");
		}
	}

	private static void validateSources(List<DrbatchProperties.Source> sources, Errors errors) {
		if (sources.isEmpty()) {
			reject(errors, "sources", "at least one source database must be configured");
		}
		Set<String> names = new HashSet<>();
		for (int i = 0; i < sources.size(); i++) {
			DrbatchProperties.Source source = sources.get(i);
			String key = "sources[" + i + "]";
			checkName(source.name(), key + ".name", names, errors);
			if (source.port() < 1 || source.port() > 65535) {
				reject(errors, key + ".port", "must be between 1 and 65535");
			}
			if (source.host() == null || source.host().isBlank()) {
				reject(errors, key + ".host", "must not be empty");
			}
			if (source.passwordFile() != null && !Files.isReadable(source.passwordFile())) {
				reject(errors, key + ".password-file", "file is missing or not readable");
			}
		}
	}

	private static void validateTargets(List<DrbatchProperties.Target> targets, Errors errors) {
		if (targets.isEmpty()) {
			reject(errors, "targets", "at least one storage target must be configured");
		}
		Set<String> names = new HashSet<>();
		for (int i = 0; i < targets.size(); i++) {
			DrbatchProperties.Target target = targets.get(i);
			String key = "targets[" + i + "]";
			checkName(target.name(), key + ".name", names, errors);
			if (target.bucket() == null || target.bucket().isBlank()) {
				reject(errors, key + ".bucket", "must not be empty");
			}
			if (target.endpoint() != null && !List.of("http", "https").contains(target.endpoint().getScheme())) {
				reject(errors, key + ".endpoint", "must be an http:// or https:// URL");
			}
			if (target.prefix().startsWith("/") || target.prefix().endsWith("/")) {
				reject(errors, key + ".prefix", "must not start or end with '/'");
			}
			if ((target.accessKeyIdEnv() == null) != (target.secretAccessKeyEnv() == null)) {
				reject(errors, key + ".secret-access-key-env",
						"access-key-id-env and secret-access-key-env go together");
			}
			if ((target.accessKeyId() == null) != (target.secretAccessKey() == null)) {
				reject(errors, key + ".secret-access-key", "access-key-id and secret-access-key go together");
			}
			if (target.credentialsFile() != null && !Files.isReadable(target.credentialsFile())) {
				reject(errors, key + ".credentials-file", "file is missing or not readable");
			}
			DrbatchProperties.Lock lock = target.lock();
			if (lock.days() < 1) {
				reject(errors, key + ".lock.days", "must be at least 1");
			}
			if (lock.abortIncompleteUploadsDays() != null && lock.abortIncompleteUploadsDays() < 1) {
				reject(errors, key + ".lock.abort-incomplete-uploads-days", "must be at least 1 (leave it empty for no rule)");
			}
			if (lock.noncurrentVersionExpirationDays() != null && lock.noncurrentVersionExpirationDays() < 1) {
				reject(errors, key + ".lock.noncurrent-version-expiration-days",
						"must be at least 1 (leave it empty for no rule)");
			}
		}
	}

	private static void validateDump(DrbatchProperties.Dump dump, Errors errors) {
		DataSize partSize = dump.partSize();
		if (partSize.compareTo(MIN_PART_SIZE) < 0 || partSize.compareTo(MAX_PART_SIZE) > 0) {
			reject(errors, "dump.part-size", "must be between 5MB (S3's minimum part size) and 512MB, was "
					+ partSize.toBytes() + " bytes");
		}
		if (dump.partsInFlight() < 1 || dump.partsInFlight() > 64) {
			reject(errors, "dump.parts-in-flight", "must be between 1 and 64");
		}
		if (dump.compressionWorkers() < 0 || dump.compressionWorkers() > 64) {
			reject(errors, "dump.compression-workers", "must be between 0 and 64");
		}
		Compression compression = dump.compression();
		if (dump.level() != null && !compression.acceptsLevel(dump.level())) {
			reject(errors, "dump.level",
					"must be in " + compression.levelRange() + " for " + compression.id() + ", was " + dump.level());
		}
		if (dump.pgDumpPath() == null || dump.pgDumpPath().isBlank()) {
			reject(errors, "dump.pg-dump-path", "must not be empty");
		}
	}

	/**
	 * Records a global error whose message starts with the full property key: the binder cannot resolve
	 * nested kebab-case paths of records as field errors.
	 */
	private static void reject(Errors errors, String key, String message) {
		errors.reject("drbatch.invalid", "drbatch." + key + ": " + message);
	}

	private static void checkName(String name, String key, Set<String> seen, Errors errors) {
		if (name == null || !NAME.matcher(name).matches()) {
			reject(errors, key, "must be 1-63 letters, digits, '_', '-' or '.', was '" + name + "'");
		}
		else if (!seen.add(name)) {
			reject(errors, key, "'" + name + "' is used twice");
		}
	}

}
