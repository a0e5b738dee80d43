package io.drbatch.manifest;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * A backup's tier: where it lives in the bucket ({@code <tier>/<database>/<backupId>/})
 * and how long it is kept. daily-dump writes daily backups; archive-tiering copies some
 * of them into the weekly and monthly tiers. Written in manifests and bucket keys as the
 * lower-case {@link #id()}.
 */
public enum Tier {

	DAILY, WEEKLY, MONTHLY;

	/**
	 * {@code daily}, {@code weekly} or {@code monthly}: the name in keys, manifests and
	 * messages.
	 */
	@JsonValue
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The tier named {@code id}; anything else fails as {@link FailureKind#INTEGRITY} (a
	 * manifest's tier field).
	 */
	@JsonCreator
	public static Tier of(String id) {
		for (Tier tier : values()) {
			if (tier.id().equals(id)) {
				return tier;
			}
		}
		throw new DrbatchException(FailureKind.INTEGRITY, "unknown tier '" + id + "' (daily, weekly or monthly)");
	}

	@Override
	public String toString() {
		return id();
	}

}
