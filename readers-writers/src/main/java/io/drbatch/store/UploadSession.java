package io.drbatch.store;

import java.util.List;

/**
 * An open multipart upload of one object (named so, and not {@code UploadSession}, to
 * stay apart from the AWS SDK's model types). {@link #uploadPart} may be called from
 * several threads at once; parts are numbered from 1. Exactly one of {@link #complete} or
 * {@link #abort} ends it.
 */
public interface UploadSession {

	String key();

	String uploadId();

	/**
	 * Uploads one part; the store verifies {@code sha256} on receipt.
	 * @param content the bytes; the array is only read, and only during this call
	 */
	UploadedPart uploadPart(int partNumber, byte[] content, int length, byte[] sha256);

	/** Completes the upload from parts in ascending part number. */
	ObjectInfo complete(List<UploadedPart> parts);

	/**
	 * Aborts the upload; never throws (an abort that fails is logged and left to
	 * lifecycle rules).
	 */
	void abort();

}
