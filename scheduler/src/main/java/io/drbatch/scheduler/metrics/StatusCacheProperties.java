package io.drbatch.scheduler.metrics;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import io.drbatch.jobs.config.PositiveDuration;

/**
 * How long one reading of the bucket and of the job repository is reused by the metrics,
 * the health check, {@code drbatch status}'s page and its JSON
 * ({@code drbatch.status.cache-period}): a burst of requests or scrapes inside it reads
 * once. Immutable.
 */
@Validated
@ConfigurationProperties("drbatch.status")
public record StatusCacheProperties(@PositiveDuration @DefaultValue("15s") Duration cachePeriod) {
}
