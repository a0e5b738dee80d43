package io.drbatch.jobs.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

import io.drbatch.codec.Compression;
import io.drbatch.failure.DrbatchException;

/**
 * The startup checks of {@link DrbatchProperties} that span keys: names unique among
 * their siblings, key pairs given together, the compression level against the algorithm,
 * encryption settings against the primary's, a drill target that names a target, and that
 * the configured secrets can be read. Rules about one key are Bean Validation annotations
 * on the properties records. Registered as Spring Boot's
 * {@code configurationPropertiesValidator}, so a violation stops the application before
 * any job runs, with an error that names the key. Stateless and thread-safe.
 */
public class DrbatchPropertiesValidator implements Validator {

	@Override
	public boolean supports(Class<?> type) {
		return DrbatchProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		DrbatchProperties properties = (DrbatchProperties) target;
		unique(properties.sources().stream().map(DrbatchProperties.Source::name).toList(), "sources", errors);
		unique(properties.targets().stream().map(DrbatchProperties.Target::name).toList(), "targets", errors);
		unique(properties.drill().checks().stream().map(DrbatchProperties.Check::name).toList(), "drill.checks",
				errors);
		validateCredentialPairs(properties.targets(), errors);
		validateEncryption(properties.targets(), errors);
		DrbatchProperties.Dump dump = properties.dump();
		Compression compression = dump.compression();
		if (!compression.acceptsLevel(dump.level())) {
			reject(errors, "dump.level",
					"must be in " + compression.levelRange() + " for " + compression.id() + ", was " + dump.level());
		}
		String drillTarget = properties.drill().target();
		if (!drillTarget.isBlank() && !drillTarget.equals("rotate")
				&& properties.targets().stream().noneMatch(t -> drillTarget.equals(t.name()))) {
			reject(errors, "drill.target", "'" + drillTarget + "' is not a configured target name nor 'rotate'");
		}
	}

	private static void unique(List<String> names, String key, Errors errors) {
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < names.size(); i++) {
			String name = names.get(i);
			if (name != null && !seen.add(name)) {
				reject(errors, key + "[" + i + "].name", "'" + name + "' is used twice");
			}
		}
	}

	private static void validateCredentialPairs(List<DrbatchProperties.Target> targets, Errors errors) {
		for (int i = 0; i < targets.size(); i++) {
			DrbatchProperties.Target target = targets.get(i);
			String key = "targets[" + i + "]";
			if ((target.accessKeyIdEnv() == null) != (target.secretAccessKeyEnv() == null)) {
				reject(errors, key + ".secret-access-key-env",
						"access-key-id-env and secret-access-key-env go together");
			}
			if ((target.accessKeyId() == null) != (target.secretAccessKey() == null)) {
				reject(errors, key + ".secret-access-key", "access-key-id and secret-access-key go together");
			}
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
			catch (DrbatchException ex) {
				reject(errors, key + (fromEnv ? ".key-env" : ".key-file"), ex.getMessage());
			}
		}
	}

	/**
	 * Records a global error whose message starts with the full property key: the binder
	 * cannot resolve nested kebab-case paths of records as field errors.
	 */
	private static void reject(Errors errors, String key, String message) {
		errors.reject("drbatch.invalid", "drbatch." + key + ": " + message);
	}

}
