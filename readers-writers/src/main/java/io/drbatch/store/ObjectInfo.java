package io.drbatch.store;

import java.time.Instant;

/**
 * What the store reports about one object.
 *
 * @param key key relative to the target's prefix
 * @param checksumSha256 the store's SHA-256 checksum ({@code base64}, or {@code base64-N}
 * for an object uploaded in N parts), or {@code null} when the store did not report one
 */
public record ObjectInfo(String key, long size, String eTag, String checksumSha256, String storageClass,
		Instant lastModified) {
}
