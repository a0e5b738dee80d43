package io.drbatch.store;

import java.time.Instant;
import java.util.Map;

/**
 * What the store reports about one object.
 *
 * @param key key relative to the target's prefix
 * @param checksumSha256 the store's SHA-256 checksum ({@code base64}, or {@code base64-N}
 * for an object uploaded in N parts), or {@code null} when the store did not report one
 * @param metadata the object's user metadata as {@link ObjectStore#head} reports it
 * (names in lower case, without the {@code x-amz-meta-} prefix); empty in listings
 */
public record ObjectInfo(String key, long size, String eTag, String checksumSha256, String storageClass,
		Instant lastModified, Map<String, String> metadata) {

	public ObjectInfo {
		metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
	}

	public ObjectInfo(String key, long size, String eTag, String checksumSha256, String storageClass,
			Instant lastModified) {
		this(key, size, eTag, checksumSha256, storageClass, lastModified, Map.of());
	}

}
