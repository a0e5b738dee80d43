package io.drbatch.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * The backups in one target, read from their manifests (never inferred from key names). A
 * folder without a manifest is not a backup and is not listed. Stateless; thread-safe as
 * far as the store is.
 */
public final class BackupCatalog {

	private static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

	private final ObjectStore store;

	public BackupCatalog(ObjectStore store) {
		this.store = store;
	}

	/**
	 * Every backup of {@code database} (or of every database when {@code null}) in every
	 * tier, newest snapshot first.
	 */
	public List<BackupManifest> list(String database) {
		List<BackupManifest> manifests = new ArrayList<>();
		for (Tier tier : Tier.values()) {
			String prefix = tier.id() + "/" + (database != null ? database + "/" : "");
			for (ObjectInfo object : this.store.list(prefix)) {
				if (isManifestKey(object.key())) {
					manifests.add(read(object.key()));
				}
			}
		}
		manifests.sort(Comparator.comparing((BackupManifest m) -> m.source().snapshotTime()).reversed());
		return manifests;
	}

	/** The newest backup of {@code database}, if there is one. */
	public Optional<BackupManifest> newest(String database) {
		return list(database).stream().findFirst();
	}

	public BackupManifest read(String manifestKey) {
		try (InputStream in = this.store.get(manifestKey)) {
			byte[] json = in.readNBytes(MAX_MANIFEST_BYTES);
			return ManifestJson.read(json, BackupManifest.class, "manifest " + manifestKey);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read manifest " + manifestKey, ex);
		}
	}

	private static boolean isManifestKey(String key) {
		String[] parts = key.split("/");
		return parts.length == 4 && parts[3].equals(BackupLayout.MANIFEST);
	}

}
