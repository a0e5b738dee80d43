package io.drbatch.scheduler.quartz;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/**
 * Binds {@link ScheduleProperties}; {@link SchedulerMode} is a component of this package.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ScheduleProperties.class)
class SchedulerConfiguration {

}
