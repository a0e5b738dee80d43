package io.drbatch.codec;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 helpers, including the composite checksum that S3 reports for a multipart
 * object.
 */
public final class Sha256 {

	private Sha256() {
	}

	public static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("this JVM has no SHA-256", ex);
		}
	}

	public static byte[] of(byte[] bytes, int offset, int length) {
		MessageDigest digest = newDigest();
		digest.update(bytes, offset, length);
		return digest.digest();
	}

	public static String hex(byte[] digest) {
		return HexFormat.of().formatHex(digest);
	}

	public static String base64(byte[] digest) {
		return Base64.getEncoder().encodeToString(digest);
	}

	/**
	 * The S3 composite checksum of a multipart object: base64 of SHA-256 over the
	 * concatenated binary part digests, followed by {@code -<number of parts>}.
	 */
	public static String composite(List<byte[]> partDigests) {
		MessageDigest digest = newDigest();
		partDigests.forEach(digest::update);
		return base64(digest.digest()) + "-" + partDigests.size();
	}

}
