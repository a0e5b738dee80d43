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
 * The base backups in one target, read from their manifests
 * ({@code base/<database>/<backupId>/manifest.json}; a folder without a manifest is not a
 * base backup). Stateless; thread-safe as far as the store is.
 */
public final class BaseBackupCatalog {

	public static final String BASE = "base";

	public static final String DATA = "base.tar.zst";

	private static final int MAX_MANIFEST_BYTES = 1024 * 1024;

	private final ObjectStore store;

	public BaseBackupCatalog(ObjectStore store) {
		this.store = store;
	}

	/** The folder of one base backup, with a trailing slash. */
	public static String folder(String database, String backupId) {
		return BASE + "/" + database + "/" + backupId + "/";
	}

	public static String manifestKey(String database, String backupId) {
		return folder(database, backupId) + BackupLayout.MANIFEST;
	}

	public static String dataKey(String database, String backupId) {
		return folder(database, backupId) + DATA;
	}

	/**
	 * Every base backup of {@code database} (every database when {@code null}), newest
	 * start first.
	 */
	public List<BaseBackupManifest> list(String database) {
		List<BaseBackupManifest> manifests = new ArrayList<>();
		for (ObjectInfo object : this.store.list(BASE + "/" + (database != null ? database + "/" : ""))) {
			String[] parts = object.key().split("/");
			if (parts.length == 4 && parts[3].equals(BackupLayout.MANIFEST)) {
				manifests.add(read(object.key()));
			}
		}
		manifests.sort(Comparator.comparing(BaseBackupManifest::startTime).reversed());
		return manifests;
	}

	/**
	 * The newest base backup of {@code database} on system {@code systemIdentifier}'s
	 * chain.
	 */
	public Optional<BaseBackupManifest> newest(String database, String systemIdentifier) {
		return list(database).stream().filter(m -> m.systemIdentifier().equals(systemIdentifier)).findFirst();
	}

	public BaseBackupManifest read(String manifestKey) {
		try (InputStream in = this.store.get(manifestKey)) {
			return ManifestJson.read(in.readNBytes(MAX_MANIFEST_BYTES), BaseBackupManifest.class,
					"manifest " + manifestKey);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read manifest " + manifestKey, ex);
		}
	}

}
