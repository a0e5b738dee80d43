package io.drbatch.store;

/**
 * One part a store holds for an upload.
 *
 * @param checksumSha256 the part's SHA-256 ({@code base64}), or {@code null} when the
 * store lists none
 */
public record UploadedPart(int partNumber, String eTag, String checksumSha256, long size) {
}
