package io.drbatch.jobs.wiring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.Secrets;

/**
 * The client-side encryption keys of the configured targets: the primary's encrypts what
 * daily-dump writes; every configured key (by its fingerprint) can decrypt what a drill
 * or restore reads, from whichever target. Keys are read once, from the environment
 * variable or file the configuration names, and never logged. Immutable and thread-safe.
 */
public final class EncryptionKeys {

	private final StreamEncryption forWriting;

	private final Map<String, StreamEncryption> forReading;

	public EncryptionKeys(List<DrbatchProperties.Target> targets) {
		Map<String, StreamEncryption> keys = new LinkedHashMap<>();
		StreamEncryption primary = null;
		for (int i = 0; i < targets.size(); i++) {
			DrbatchProperties.Encryption encryption = targets.get(i).encryption();
			if (encryption.enabled()) {
				StreamEncryption key = Secrets.encryptionKey(encryption, "drbatch.targets[" + i + "].encryption");
				keys.putIfAbsent(key.keyId(), key);
				if (i == 0) {
					primary = key;
				}
			}
		}
		this.forWriting = primary;
		this.forReading = Map.copyOf(keys);
	}

	/**
	 * The key a new backup is encrypted with: the primary's, when its encryption is
	 * enabled.
	 */
	public Optional<StreamEncryption> forWriting() {
		return Optional.ofNullable(this.forWriting);
	}

	/** Every configured key by key id. */
	public Map<String, StreamEncryption> forReading() {
		return this.forReading;
	}

	/**
	 * Fails with {@link FailureKind#BAD_CONFIGURATION} when a backup encrypted with
	 * {@code keyId} ({@code null}: not encrypted) cannot be decrypted with the configured
	 * keys, before anything is restored.
	 */
	public void requireKey(String keyId, String backup) {
		if (keyId != null && !this.forReading.containsKey(keyId)) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"backup " + backup + " is encrypted with key " + keyId + ", and no configured key has that id"
							+ (this.forReading.isEmpty() ? " (no encryption key is configured)"
									: " (configured: " + String.join(", ", this.forReading.keySet()) + ")")
							+ "; set drbatch.targets[N].encryption.key-env or .key-file to that key");
		}
	}

	@Override
	public String toString() {
		return "EncryptionKeys" + this.forReading.keySet();
	}

}
