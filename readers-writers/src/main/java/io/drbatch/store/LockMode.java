package io.drbatch.store;

/** S3 Object Lock retention modes. */
public enum LockMode {

	/** Nobody, the account's root user included, can shorten or remove the retention. */
	COMPLIANCE,

	/** Users with {@code s3:BypassGovernanceRetention} can shorten or remove it. */
	GOVERNANCE

}
